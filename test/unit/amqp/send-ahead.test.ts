import { strict as assert } from 'node:assert';
import type * as amqp from 'amqplib';
import { sendAhead } from '../../../adapter/src/amqp/send-ahead';
import { amqplibModule } from '../../../adapter/src/amqp/amqplib-internals';

const defs = amqplibModule('defs') as Record<string, number>;

/** What sendAhead reads of an amqplib channel, recording what it sends. */
function channel(reply: unknown = null, pending: unknown[] = []) {
  const sent: [number, Record<string, unknown>][] = [];
  const ch = {
    reply,
    pending,
    sendImmediately: (id: number, f: Record<string, unknown>) => sent.push([id, f]),
  };
  return { ch: ch as unknown as amqp.Channel, sent };
}

describe('amqp/send-ahead: queue methods sent nowait ahead of an RPC', () => {
  it('sends each method in order with nowait, as amqplib encodes them', () => {
    const { ch, sent } = channel();
    const ok = sendAhead(ch, [
      { kind: 'delete', queue: 'q' },
      { kind: 'declare', queue: 'q', durable: true, arguments: { 'x-expires': 5 } },
      { kind: 'purge', queue: 'q' },
      { kind: 'bind', queue: 'q', exchange: 'x', routingKey: 'a.#' },
    ]);
    assert.equal(ok, true);
    assert.deepEqual(
      sent.map(([id]) => id),
      [defs.QueueDelete, defs.QueueDeclare, defs.QueuePurge, defs.QueueBind],
    );
    for (const [, fields] of sent) assert.equal(fields.nowait, true);
    assert.equal(sent[1][1].durable, true);
    assert.deepEqual(sent[1][1].arguments, { 'x-expires': 5 });
    assert.equal(sent[3][1].routingKey, 'a.#');
    // The encoder accepts every field set: a missing or mistyped field would throw here.
    const encode = amqplibModule('defs')?.encodeMethod as (id: number, ch: number, f: unknown) => Buffer;
    for (const [id, fields] of sent) assert.ok(encode(id, 1, fields).length > 0);
  });

  it('sends nothing while an RPC awaits its reply or is queued, so nothing overtakes it', () => {
    for (const { ch, sent } of [channel(() => undefined), channel(null, [{}])]) {
      assert.equal(sendAhead(ch, [{ kind: 'purge', queue: 'q' }]), false);
      assert.deepEqual(sent, []);
    }
  });

  it('sends nothing on a channel without the amqplib 2.x internals', () => {
    assert.equal(sendAhead({} as amqp.Channel, [{ kind: 'purge', queue: 'q' }]), false);
  });
});
