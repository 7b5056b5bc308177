import { strict as assert } from 'node:assert';
import type * as amqp from 'amqplib';
import { FastPath } from '../../../adapter/src/amqp/fast-path';
import type { PooledConnection } from '../../../adapter/src/amqp/pool';
import { LateClosingChannel } from '../../support/fake-amqp-channel';

/** A fast-path channel whose declare fails when told to, and whose close RabbitMQ confirms only when the test says so. */
class FakeChannel extends LateClosingChannel {
  /** Unbinds asked for, each answered only if `answerUnbinds`. */
  unbinds = 0;
  answerUnbinds = true;

  constructor(private readonly firstDeclare: 'fails' | 'unanswered' | 'answered') {
    super();
  }
  assertQueue(name: string): Promise<{ queue: string }> {
    if (this.firstDeclare === 'fails') return Promise.reject(new Error('declare given up'));
    // A connection RabbitMQ stopped reading: no declare-ok comes.
    if (this.firstDeclare === 'unanswered') return new Promise(() => undefined);
    return Promise.resolve({ queue: name });
  }
  consume(): Promise<void> {
    return Promise.resolve();
  }
  unbindQueue(): Promise<void> {
    this.unbinds++;
    return this.answerUnbinds ? Promise.resolve() : new Promise(() => undefined);
  }
}

const RPC_TIMEOUT_MS = 50;

function fakeConnection(first: 'fails' | 'unanswered' | 'answered'): {
  conn: PooledConnection;
  opened: FakeChannel[];
} {
  const opened: FakeChannel[] = [];
  const conn = {
    openChannel: () => {
      const ch = new FakeChannel(opened.length === 0 ? first : 'answered');
      opened.push(ch);
      return Promise.resolve(ch as unknown as amqp.Channel);
    },
  };
  return { conn: conn as unknown as PooledConnection, opened };
}

/*
 * A fast-path channel whose declare or consume failed is closed by the fast
 * path, and its close, confirmed late, must not make the fast path forget the
 * channel opened after it: that one would stay open with its consumer feeding
 * the trie, beside a third opened for the next subscriber.
 */
describe('fast path: a channel whose open failed', () => {
  it('is closed, and its late close leaves the next channel in use', async () => {
    const { conn, opened } = fakeConnection('fails');
    const fp = new FastPath(conn, 'amq.topic', 'mqtt-fast-', RPC_TIMEOUT_MS);
    await assert.rejects(fp.queue(), /declare given up/);
    assert.ok(opened[0].closeAsked, 'the failed channel is closed');
    const queue = await fp.queue();
    assert.equal(opened.length, 2);
    opened[0].confirmClose();
    assert.equal(await fp.queue(), queue, 'the same queue serves the next subscriber');
    assert.equal(opened.length, 2, 'no third channel is opened');
  });
});

/*
 * Every reply awaited on an open channel has a deadline: a connection
 * RabbitMQ stopped reading (a resource alarm) or a node that stalled answers
 * nothing until the heartbeat gives the connection up, and a QoS 0 SUBSCRIBE,
 * or an UNSUBSCRIBE, waited that long for the fast path.
 */
describe('fast path: replies RabbitMQ does not send', () => {
  it('gives the declare of its queue up at the deadline, closes the channel and opens another next time', async () => {
    const { conn, opened } = fakeConnection('unanswered');
    const fp = new FastPath(conn, 'amq.topic', 'mqtt-fast-', RPC_TIMEOUT_MS);
    const started = performance.now();
    await assert.rejects(fp.queue(), /did not answer the declare of the QoS 0 queue within 50 ms/);
    assert.ok(performance.now() - started >= RPC_TIMEOUT_MS - 5, 'not before the deadline');
    assert.ok(opened[0].closeAsked, 'the channel given up is closed');
    assert.match(await fp.queue(), /^mqtt-fast-/);
    assert.equal(opened.length, 2, 'the next subscriber gets a fresh channel');
  });

  it('ends the wait for an unbind at the deadline and keeps the channel for the other subscribers', async () => {
    const { conn, opened } = fakeConnection('answered');
    const fp = new FastPath(conn, 'amq.topic', 'mqtt-fast-', RPC_TIMEOUT_MS);
    const subscriber = { deliverFast: () => undefined };
    await fp.add('a/b', subscriber, () => Promise.resolve());
    opened[0].answerUnbinds = false;
    const started = performance.now();
    await fp.remove('a/b', subscriber);
    assert.ok(performance.now() - started >= RPC_TIMEOUT_MS - 5, 'not before the deadline');
    assert.equal(opened[0].unbinds, 1, 'the unbind was asked for');
    assert.equal(opened[0].closeAsked, false, 'the shared channel stays open');
  });
});
