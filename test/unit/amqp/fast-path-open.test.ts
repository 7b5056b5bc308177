import { strict as assert } from 'node:assert';
import type * as amqp from 'amqplib';
import { FastPath } from '../../../adapter/src/amqp/fast-path';
import type { PooledConnection } from '../../../adapter/src/amqp/pool';
import { LateClosingChannel } from '../../support/fake-amqp-channel';

/** A fast-path channel whose declare fails when told to, and whose close RabbitMQ confirms only when the test says so. */
class FakeChannel extends LateClosingChannel {
  constructor(private readonly failDeclare: boolean) {
    super();
  }
  assertQueue(name: string): Promise<{ queue: string }> {
    return this.failDeclare
      ? Promise.reject(new Error('declare given up'))
      : Promise.resolve({ queue: name });
  }
  consume(): Promise<void> {
    return Promise.resolve();
  }
}

function fakeConnection(failFirst: boolean): { conn: PooledConnection; opened: FakeChannel[] } {
  const opened: FakeChannel[] = [];
  const conn = {
    openChannel: () => {
      const ch = new FakeChannel(failFirst && opened.length === 0);
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
    const { conn, opened } = fakeConnection(true);
    const fp = new FastPath(conn, 'amq.topic', 'mqtt-fast-');
    await assert.rejects(fp.queue(), /declare given up/);
    assert.ok(opened[0].closeAsked, 'the failed channel is closed');
    const queue = await fp.queue();
    assert.equal(opened.length, 2);
    opened[0].confirmClose();
    assert.equal(await fp.queue(), queue, 'the same queue serves the next subscriber');
    assert.equal(opened.length, 2, 'no third channel is opened');
  });
});
