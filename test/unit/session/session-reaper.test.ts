import { strict as assert } from 'node:assert';
import pino from 'pino';
import { loadConfig } from '../../../adapter/src/config/load';
import { createMetrics } from '../../../adapter/src/observability/metrics';
import type { BrokerPort } from '../../../adapter/src/ports/broker';
import type { Credentials } from '../../../adapter/src/ports/credentials';
import { SessionReaper } from '../../../adapter/src/session/session-reaper';
import { queueNameFor } from '../../../adapter/src/session/subscriptions';
import { FakeBroker } from '../../support/fake-broker';

const log = pino({ level: 'silent' });
const noop = (): void => undefined;

/** A fake broker that tells which login each link was made with. */
function recording(broker: FakeBroker): { port: BrokerPort; logins: Credentials[] } {
  const logins: Credentials[] = [];
  const port: BrokerPort = {
    login: (c) => {
      logins.push(c);
      return broker.login(c);
    },
    close: () => broker.close(),
  };
  return { port, logins };
}

async function sessionQueue(broker: FakeBroker, clientId: string, consumed = false): Promise<void> {
  const link = await broker.login({ vhost: '/', user: 'guest', password: 'guest' });
  await link.declareQueue({ name: queueNameFor(clientId), durable: true, expiresMs: 1000, quorum: false });
  if (consumed) await link.consume(queueNameFor(clientId), 1, noop);
  else await link.close();
}

describe('session/reaper: the queue of a session that expired unclaimed', () => {
  const client: Credentials = { vhost: 'tenant', user: 'dev', password: 'pw' };

  it("goes under the client's own login when the session was released here", async () => {
    const broker = new FakeBroker();
    const { port, logins } = recording(broker);
    const reaper = new SessionReaper(
      loadConfig({}, () => ''),
      port,
      createMetrics(),
      log,
    );
    await sessionQueue(broker, 'c1');
    reaper.remember('c1', client, 60);
    await reaper.reap({ clientId: 'c1', vhost: 'tenant' });
    assert.deepEqual(logins, [client]);
    assert.equal(broker.queues.has(queueNameFor('c1')), false);
    assert.equal(broker.leftovers().links, 0, 'the link is closed');
  });

  it("goes under the adapter's own login in the session's vhost otherwise, and not at all without one", async () => {
    const broker = new FakeBroker();
    const { port, logins } = recording(broker);
    const withWillUser = loadConfig(
      { MQTT_ADAPTER_WILL_USER: 'svc', MQTT_ADAPTER_WILL_PASSWORD: 'secret' },
      () => '',
    );
    await sessionQueue(broker, 'c2');
    await new SessionReaper(withWillUser, port, createMetrics(), log).reap({
      clientId: 'c2',
      vhost: 'tenant',
    });
    assert.deepEqual(logins, [{ vhost: 'tenant', user: 'svc', password: 'secret' }]);
    assert.equal(broker.queues.has(queueNameFor('c2')), false);
    await sessionQueue(broker, 'c3');
    await new SessionReaper(
      loadConfig({}, () => ''),
      port,
      createMetrics(),
      log,
    ).reap({ clientId: 'c3' });
    assert.equal(logins.length, 1, 'no login to try');
    assert.equal(broker.queues.has(queueNameFor('c3')), true, 'left to its x-expires');
  });

  it('leaves a queue something consumes (a new session of the client id), and forgets a login once claimed', async () => {
    const broker = new FakeBroker();
    const { port, logins } = recording(broker);
    let now = 0;
    const reaper = new SessionReaper(
      loadConfig({}, () => ''),
      port,
      createMetrics(),
      log,
      () => now,
    );
    await sessionQueue(broker, 'c4', true);
    reaper.remember('c4', client, 60);
    await reaper.reap({ clientId: 'c4' });
    assert.equal(broker.queues.has(queueNameFor('c4')), true);
    reaper.remember('c5', client, 1);
    reaper.forget('c5');
    reaper.remember('c6', client, 1);
    now = 62_000;
    reaper.prune();
    await reaper.reap({ clientId: 'c5' });
    await reaper.reap({ clientId: 'c6' });
    assert.equal(logins.length, 1, 'neither login was kept');
  });

  it('counts every expired session it is handed, and only the queues it deleted', async () => {
    const broker = new FakeBroker();
    const metrics = createMetrics();
    const reaper = new SessionReaper(
      loadConfig({}, () => ''),
      broker,
      metrics,
      log,
    );
    const count = async (): Promise<[number, number]> => [
      (await metrics.sessionsExpired.get()).values[0].value,
      (await metrics.sessionQueuesDeleted.get()).values[0].value,
    ];
    await sessionQueue(broker, 'd1');
    await sessionQueue(broker, 'd2', true);
    for (const clientId of ['d1', 'd2', 'd3', 'd4']) reaper.remember(clientId, client, 60);
    await reaper.reap({ clientId: 'd1' });
    assert.deepEqual(await count(), [1, 1], 'its queue deleted');
    await reaper.reap({ clientId: 'd2' });
    assert.deepEqual(await count(), [2, 1], 'a queue in use stays');
    await reaper.reap({ clientId: 'd3' });
    assert.deepEqual(await count(), [3, 1], 'no queue to delete');
    await reaper.reap({ clientId: 'd5' });
    assert.deepEqual(await count(), [4, 1], 'no login to delete with');
    await sessionQueue(broker, 'd4');
    broker.ops.hold();
    const refused = reaper.reap({ clientId: 'd4' });
    await broker.ops.waitHeld();
    assert.equal(broker.ops.step(), 'login');
    await broker.ops.waitHeld();
    assert.deepEqual(broker.ops.pending, ['delete-unused']);
    broker.ops.fail(new Error('refused'));
    broker.ops.release();
    await refused;
    assert.deepEqual(await count(), [5, 1], 'RabbitMQ refused the delete');
  });
});
