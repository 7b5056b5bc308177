import { strict as assert } from 'node:assert';
import type * as amqp from 'amqplib';
import { ClientLink, type PerConnection } from '../../../adapter/src/amqp/client-link';
import type { PooledConnection } from '../../../adapter/src/amqp/pool';
import { createMetrics } from '../../../adapter/src/observability/metrics';
import { failureOf } from '../../../adapter/src/ports/broker';

/** Counts every channel and shared consumer channel a link asks its pooled connection for. */
function fakeConnection(): { conn: PooledConnection; asked: string[] } {
  const asked: string[] = [];
  const never = new Promise<never>(() => undefined);
  const conn = {
    links: new Set(),
    publisher: undefined,
    blocked: false,
    openChannel: (confirm: boolean) => {
      asked.push(confirm ? 'confirm channel' : 'channel');
      return never as Promise<amqp.Channel>;
    },
    giveBackOpsChannel: () => false,
    takeOpsChannel: () => {
      asked.push('ops channel');
      return never as Promise<amqp.Channel>;
    },
    consumerChannels: {
      join: () => {
        asked.push('consumer channel');
        return never;
      },
    },
    release: () => undefined,
  };
  return { conn: conn as unknown as PooledConnection, asked };
}

/*
 * Work that was under way when its session closed (a SUBSCRIBE whose declare
 * RabbitMQ answered late, a publish held behind a store write) may reach the
 * link after its close. A consumer or publish channel it would open then has
 * no undo: the close has run. (A declare or delete still runs, on an ops
 * channel that closes once idle, so a late clean-up still happens.)
 */
describe('client link: no consumer or publish channel is acquired after its close', () => {
  it('refuses a consume and a first publish of either kind', async () => {
    const { conn, asked } = fakeConnection();
    const link = new ClientLink(conn, 'amq.topic', createMetrics().amqp, {} as PerConnection, 30_000);
    await link.close();
    const attempts: [string, Promise<unknown>][] = [
      ['consume', link.consume('mqtt-subscription-cqos1', 8, () => undefined)],
      ['QoS 1 publish', link.publish('a/b', Buffer.from('x'), 1, () => undefined)],
      ['QoS 0 publish', link.publish('a/b', Buffer.from('x'), 0, () => undefined)],
    ];
    const outcomes: Record<string, unknown> = {};
    for (const [what, p] of attempts) {
      outcomes[what] = await Promise.race([
        p.then(
          () => 'done',
          (err: unknown) => failureOf(err),
        ),
        new Promise((r) => setTimeout(() => r('waiting'), 50)),
      ]);
    }
    assert.deepEqual(outcomes, { consume: 'gone', 'QoS 1 publish': 'gone', 'QoS 0 publish': 'gone' });
    assert.deepEqual(asked, [], 'no channel asked for');
  });
});
