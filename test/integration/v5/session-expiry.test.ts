import { strict as assert } from 'node:assert';
import * as amqp from 'amqplib';
import { startAdapter, uniqueId } from '../helpers/adapter';
import { AMQP_URL } from '../helpers/rabbit';
import type { Adapter } from '../../../adapter/src/server';
import { SessionQueues, V5, deleteRedisKeys, storeEnv, uniqueTopic } from './support';
import { until } from '../helpers/wait';
import { useCleanup } from '../helpers/suite';
import { onCleanup } from '../helpers/cleanup';
import { httpGet, metricValue } from '../helpers/clients';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Whether a queue exists, asked with a passive declare on a throwaway channel
 * of a connection of its own: RabbitMQ answers a missing queue by closing the channel.
 */
async function queueExists(queue: string): Promise<boolean> {
  const conn = await amqp.connect(AMQP_URL);
  try {
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    return await ch.checkQueue(queue).then(
      () => true,
      () => false,
    );
  } finally {
    await conn.close();
  }
}

/**
 * The store, not the queue, decides when a session ends [MQTT-3.1.2-23], and
 * a DISCONNECT may move that moment either way [MQTT-3.14.2-2]: the queue's
 * x-expires, fixed at its declaration, is only a backstop. With mqtt.js at
 * level 5, on the memory store and on Redis.
 */
for (const store of ['memory', 'redis'] as const) {
  describe(`MQTT 5 Session Expiry: the store is the authority (${store} store)`, function () {
    this.timeout(30_000);
    const prefix = `mqtt-adapter-test-expiry-${process.pid}:`;
    let adapter: Adapter;
    const queues = new SessionQueues();
    const queueOf = queues.of;
    before(async function () {
      adapter = await startAdapter(storeEnv(store, prefix));
    });
    after(async function () {
      await adapter?.stop();
      await queues.deleteAll();
      if (store === 'redis') await deleteRedisKeys(prefix);
    });
    useCleanup();

    /** A v5 session with a QoS 1 subscription, left by a DISCONNECT that sets another expiry. */
    const leave = async (
      clientId: string,
      expiry: { connect: number; disconnect: number },
      topic: string,
    ) => {
      const first = await V5.connect(adapter.ports.mqtt, {
        clientId,
        properties: { sessionExpiryInterval: expiry.connect },
      });
      await first.subscribe(topic, { qos: 1 });
      await first.disconnect({ sessionExpiryInterval: expiry.disconnect });
    };

    it('expiry 2 s lengthened to 30 s at DISCONNECT: what was published 5 s later is delivered, session present', async function () {
      const clientId = uniqueId('lengthened');
      const queue = queueOf(clientId);
      const topic = uniqueTopic('lengthened');
      await leave(clientId, { connect: 2, disconnect: 30 }, topic);
      await sleep(5000);
      const pub = await V5.connect(adapter.ports.mqtt);
      await pub.publish(topic, 'while-away', { qos: 1 });
      assert.equal(await queueExists(queue), true, 'the queue outlived the expiry of the CONNECT');
      const again = await V5.connect(adapter.ports.mqtt, {
        clientId,
        clean: false,
        properties: { sessionExpiryInterval: 0 },
      });
      assert.equal(again.connack?.sessionPresent, true);
      const m = await again.waitFor('while-away');
      assert.equal(m.qos, 1);
      await again.disconnect();
      await until(async () => !(await queueExists(queue)), 'the queue to go with the session');
    });

    it('expiry 30 s shortened to 1 s at DISCONNECT: session present 0 after 2 s, its queue gone', async function () {
      const clientId = uniqueId('shortened');
      const queue = queueOf(clientId);
      await leave(clientId, { connect: 30, disconnect: 1 }, uniqueTopic('shortened'));
      await sleep(2000);
      const again = await V5.connect(adapter.ports.mqtt, {
        clientId,
        clean: false,
        properties: { sessionExpiryInterval: 0 },
      });
      assert.equal(again.connack?.sessionPresent, false, 'the session ended 1 s after the DISCONNECT');
      assert.equal(await queueExists(queue), false);
      await again.disconnect();
    });

    it('a session that expires unclaimed loses its queue to the sweeper, though its x-expires is far off', async function () {
      const clientId = uniqueId('unclaimed');
      const queue = queueOf(clientId);
      await leave(clientId, { connect: 30, disconnect: 1 }, uniqueTopic('unclaimed'));
      assert.equal(await queueExists(queue), true, 'kept while the session lasts');
      const left = Date.now();
      await until(async () => !(await queueExists(queue)), 'the sweeper to delete the queue', 10_000);
      const took = Date.now() - left;
      assert.ok(took < 5000, `deleted ${took} ms after the DISCONNECT, far from its 30 s x-expires`);
    });

    it('the sweep counts each session it ends and each queue it deletes, once', async function () {
      // An adapter of its own (and, on Redis, a key prefix of its own): nothing the other tests left counts.
      const own = await startAdapter(storeEnv(store, `${prefix}counts:`));
      onCleanup(() => own.stop());
      const counts = async (): Promise<[number | undefined, number | undefined]> => {
        const { body } = await httpGet(own.ports.http, '/metrics');
        return [
          metricValue(body, 'mqtt_adapter_sessions_expired_total'),
          metricValue(body, 'mqtt_adapter_session_queues_deleted_total'),
        ];
      };
      assert.deepEqual(await counts(), [0, 0]);
      const withQueue = [uniqueId('counted'), uniqueId('counted')];
      for (const clientId of withQueue) {
        const first = await V5.connect(own.ports.mqtt, {
          clientId,
          properties: { sessionExpiryInterval: 30 },
        });
        await first.subscribe(uniqueTopic('counted'), { qos: 1 });
        await first.disconnect({ sessionExpiryInterval: 1 });
      }
      // A session without a subscription has no queue; one with expiry 0 ends with its connection.
      const noQueue = await V5.connect(own.ports.mqtt, { properties: { sessionExpiryInterval: 1 } });
      await noQueue.disconnect();
      const noSession = await V5.connect(own.ports.mqtt, { properties: { sessionExpiryInterval: 0 } });
      await noSession.subscribe(uniqueTopic('uncounted'), { qos: 1 });
      await noSession.disconnect();
      await until(
        async () => (await counts()).join() === '3,2',
        'three sessions expired, two queues deleted',
        10_000,
      );
      for (const clientId of withQueue) assert.equal(await queueExists(queueOf(clientId)), false);
      // Several sweeps later, nothing was counted twice.
      await sleep(2000);
      assert.deepEqual(await counts(), [3, 2]);
    });
  });
}
