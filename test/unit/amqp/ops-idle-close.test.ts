import { strict as assert } from 'node:assert';
import type * as amqp from 'amqplib';
import { ClientLink, type PerConnection } from '../../../adapter/src/amqp/client-link';
import type { PooledConnection } from '../../../adapter/src/amqp/pool';
import { createMetrics } from '../../../adapter/src/observability/metrics';
import { LateClosingChannel } from '../../support/fake-amqp-channel';

/** An ops channel whose close RabbitMQ confirms only when the test says so (a stalled node). */
class SlowClosingChannel extends LateClosingChannel {
  assertQueue(): Promise<void> {
    return Promise.resolve();
  }
}

function fakeConnection(): { conn: PooledConnection; opened: SlowClosingChannel[] } {
  const opened: SlowClosingChannel[] = [];
  const conn = {
    links: new Set(),
    publisher: undefined,
    blocked: false,
    giveBackOpsChannel: () => false,
    takeOpsChannel: () => {
      const ch = new SlowClosingChannel();
      opened.push(ch);
      return Promise.resolve(ch as unknown as amqp.Channel);
    },
    release: () => undefined,
  };
  return { conn: conn as unknown as PooledConnection, opened };
}

const IDLE_MS = 10;
const queue = { name: 'mqtt-subscription-c1qos1', durable: true, expiresMs: 60_000, quorum: false };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/*
 * An idle ops channel is let go of at once and closed; under a stalled
 * RabbitMQ its close is confirmed late, after the client's next declare or
 * bind opened another. That late confirm must not make the link forget the
 * newer channel: nothing would close it, and it would hold the link, its
 * session and connection in memory, and a channel on RabbitMQ, for as long
 * as the pooled connection lives.
 */
describe('client link: an ops channel closed late while idle', () => {
  it('leaves the newer ops channel for the link to close', async () => {
    const { conn, opened } = fakeConnection();
    const link = new ClientLink(
      conn,
      'amq.topic',
      createMetrics().amqp,
      {} as PerConnection,
      30_000,
      IDLE_MS,
    );
    await link.declareQueue(queue);
    await sleep(IDLE_MS * 3);
    const [idle] = opened;
    assert.ok(idle.closeAsked, 'the idle ops channel is closed');
    await link.declareQueue(queue);
    assert.equal(opened.length, 2, 'the next declare opens another');
    idle.confirmClose();
    await link.close();
    assert.ok(opened[1].closeAsked, "the link's close closes the newer ops channel");
  });
});
