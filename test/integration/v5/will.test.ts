import { strict as assert } from 'node:assert';
import { startAdapter, uniqueId } from '../helpers/adapter';
import { deleteQueues } from '../helpers/rabbit';
import type { Adapter } from '../../../adapter/src/server';
import { V5, deleteRedisKeys, uniqueTopic } from './support';
import { useCleanup } from '../helpers/suite';

/**
 * The v5 Will Delay Interval through RabbitMQ: the will goes out after the
 * delay, not at all when the client resumes in time, and at once when the
 * session ends before the delay is over [MQTT-3.1.3-9].
 */
for (const store of ['memory', 'redis'] as const)
  describe(`MQTT 5 Will Delay Interval, ${store} store (issue 6)`, function () {
    let adapter: Adapter;
    const queues = new Set<string>();
    const prefix = `mqtt-adapter-test-${uniqueId('will')}:`;

    before(async function () {
      adapter = await startAdapter(
        store === 'redis'
          ? {
              MQTT_ADAPTER_STORE: 'redis',
              MQTT_ADAPTER_REDIS_URL: process.env.MQTT_ADAPTER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
              MQTT_ADAPTER_REDIS_KEY_PREFIX: prefix,
              MQTT_ADAPTER_SWEEP_INTERVAL_MS: '200',
            }
          : {},
      );
    });
    after(async function () {
      await adapter?.stop();
      if (queues.size > 0) await deleteQueues(queues);
      if (store === 'redis') await deleteRedisKeys(prefix);
    });
    useCleanup();

    /** A client with a will on `topic`, which it then loses by dropping the connection. */
    async function withWill(
      topic: string,
      payload: string,
      willDelaySeconds: number,
      sessionExpirySeconds: number,
      clientId = uniqueId('will'),
    ): Promise<{ client: V5; clientId: string }> {
      queues.add(`mqtt-subscription-${clientId}qos1`);
      const client = await V5.connect(adapter.ports.mqtt, {
        clientId,
        properties: { sessionExpiryInterval: sessionExpirySeconds },
        will: {
          topic,
          payload: Buffer.from(payload),
          qos: 1,
          retain: false,
          properties: { willDelayInterval: willDelaySeconds, contentType: 'text/plain' },
        },
      });
      return { client, clientId };
    }

    async function watcher(topic: string): Promise<V5> {
      const w = await V5.connect(adapter.ports.mqtt);
      await w.subscribe(topic, { qos: 1 });
      return w;
    }

    it('publishes the will once the delay is over, with its properties [MQTT-3.1.3-9]', async function () {
      const topic = uniqueTopic('will-delay');
      const w = await watcher(topic);
      const { client } = await withWill(topic, 'gone', 2, 60);
      const dropped = Date.now();
      await client.drop();
      const m = await w.waitFor('gone', 8000);
      const after = Date.now() - dropped;
      assert.ok(after >= 1800, `will after ${after} ms, not before the 2 s delay`);
      assert.equal(m.properties?.contentType, 'text/plain');
      assert.equal(m.qos, 1);
    });

    it('does not publish the will when the client resumes the session within the delay [MQTT-3.1.3-9]', async function () {
      const topic = uniqueTopic('will-resume');
      const w = await watcher(topic);
      // A control client with the same delay that stays away: once its will is in, the other's would be.
      const control = await withWill(topic, 'control-gone', 2, 60);
      const resumer = await withWill(topic, 'resumer-gone', 2, 60);
      await Promise.all([control.client.drop(), resumer.client.drop()]);
      const back = await V5.connect(adapter.ports.mqtt, {
        clientId: resumer.clientId,
        clean: false,
        properties: { sessionExpiryInterval: 60 },
      });
      assert.equal(back.connack?.sessionPresent, true);
      await w.waitFor('control-gone', 8000);
      // One more round trip through the broker after the control will.
      const marker = uniqueId('marker');
      await back.publish(topic, marker, { qos: 1 });
      await w.waitFor(marker);
      assert.ok(
        !w.payloads().includes('resumer-gone'),
        `resumed client's will went out: ${w.payloads().join(',')}`,
      );
      await back.disconnect({ sessionExpiryInterval: 0 });
    });

    it('publishes the will at once when the session ends before the delay (expiry 0) [MQTT-3.1.3-9]', async function () {
      const topic = uniqueTopic('will-expiry0');
      const w = await watcher(topic);
      const { client } = await withWill(topic, 'ended', 60, 0);
      const dropped = Date.now();
      await client.drop();
      await w.waitFor('ended', 5000);
      assert.ok(Date.now() - dropped < 5000, 'not after the 60 s delay');
    });

    it('publishes the will when the session expires, before a longer delay [MQTT-3.1.3-9]', async function () {
      const topic = uniqueTopic('will-expiry');
      const w = await watcher(topic);
      const { client } = await withWill(topic, 'expired', 60, 2);
      const dropped = Date.now();
      await client.drop();
      await w.waitFor('expired', 8000);
      const after = Date.now() - dropped;
      assert.ok(
        after >= 1800 && after < 8000,
        `will after ${after} ms: at the 2 s expiry, not the 60 s delay`,
      );
    });

    it('publishes the will on DISCONNECT with reason 0x04, and not on a normal DISCONNECT [MQTT-3.14.4-3]', async function () {
      const topic = uniqueTopic('will-0x04');
      const w = await watcher(topic);
      const normal = await withWill(topic, 'normal-gone', 0, 0);
      const asked = await withWill(topic, 'asked-gone', 0, 0);
      await normal.client.disconnect(undefined, 0x00);
      await asked.client.disconnect(undefined, 0x04);
      await w.waitFor('asked-gone');
      const marker = uniqueId('marker');
      const pub = await V5.connect(adapter.ports.mqtt);
      await pub.publish(topic, marker, { qos: 1 });
      await w.waitFor(marker);
      assert.ok(!w.payloads().includes('normal-gone'));
    });
  });
