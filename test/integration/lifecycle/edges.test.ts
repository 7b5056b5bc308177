import { strict as assert } from 'node:assert';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Adapter } from '../../../adapter/src/server';
import { GUEST, startAdapter, uniqueId } from '../helpers/adapter';
import { DEFAULT_MEMORY_WATERMARK, rabbitmqctl, setMemoryWatermark } from '../helpers/rabbit';
import { RedisProxy } from '../replicas/redis-proxy';
import { deleteRedisKeys } from '../v5/support';
import { until, within } from '../helpers/wait';

/*
 * The edges of a connection's life that the happy path never reaches: a
 * takeover notice lost on the way, a consumer RabbitMQ cancels, a RabbitMQ
 * that stops reading (memory alarm). Each must end in bounded time.
 */

const clients = new Set<MqttClient>();

async function join(port: number, options: IClientOptions): Promise<MqttClient> {
  const c = await mqtt.connectAsync({ host: '127.0.0.1', port, reconnectPeriod: 0, ...GUEST, ...options });
  clients.add(c);
  return c;
}

const closed = (c: MqttClient): Promise<number> => {
  const at = Date.now();
  return new Promise((resolve) => c.once('close', () => resolve(Date.now() - at)));
};

async function counter(adapter: Adapter, name: string): Promise<number> {
  const metric = adapter.metrics.registry.getSingleMetric(name);
  const { values } = (await metric?.get()) ?? { values: [] };
  return values.reduce((n, v) => n + v.value, 0);
}

afterEach(async () => {
  await Promise.all([...clients].map((c) => c.endAsync(true).catch(() => undefined)));
  clients.clear();
});

describe('lifecycle: a clean-session takeover whose notice is lost', function () {
  this.timeout(30_000);
  const FENCE_MS = 1000;
  const prefix = `${uniqueId('fence')}:`;
  let proxy: RedisProxy;
  let a: Adapter;
  let b: Adapter;

  before(async () => {
    proxy = await RedisProxy.start(6379);
    const shared = { MQTT_ADAPTER_STORE: 'redis', MQTT_ADAPTER_REDIS_KEY_PREFIX: prefix };
    a = await startAdapter({
      ...shared,
      MQTT_ADAPTER_REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      MQTT_ADAPTER_FENCE_INTERVAL_MS: String(FENCE_MS),
    });
    b = await startAdapter(shared);
  });
  after(async () => {
    proxy.restore();
    await a?.stop();
    await b?.stop();
    await proxy?.close();
    await deleteRedisKeys(prefix);
  });

  it('closes the old connection within the fence interval plus a reconnect, and keeps the new one', async () => {
    const id = uniqueId('fenced');
    const old = await join(a.ports.mqtt, { clientId: id, clean: true, protocolVersion: 5 });
    const disconnects: number[] = [];
    old.on('disconnect', (p) => disconnects.push(p.reasonCode ?? 0));
    const oldClosed = closed(old);
    // A's Redis connections, its takeover subscription among them, are cut: the notice of the claim below is lost.
    proxy.cutOff();
    const fresh = await join(b.ports.mqtt, { clientId: id, clean: true, protocolVersion: 5 });
    const lostAt = Date.now();
    proxy.restore();
    await within(oldClosed, FENCE_MS + 5000, 'the old connection closed');
    const delay = Date.now() - lostAt;
    console.log(`      old connection closed ${delay} ms after the claim whose notice was lost`);
    assert.deepEqual(disconnects, [0x8e], 'v5 hears "session taken over"');
    assert.equal(await counter(a, 'mqtt_adapter_fenced_total'), 1, 'closed by the fence check, not a notice');
    assert.ok(fresh.connected, 'the new owner stays connected');
    await fresh.subscribeAsync(`fence/${id}`, { qos: 1 });
    await fresh.publishAsync(`fence/${id}`, 'still here', { qos: 1 });
  });
});

describe('lifecycle: a consumer RabbitMQ cancels', function () {
  this.timeout(30_000);
  let adapter: Adapter;
  before(async () => {
    adapter = await startAdapter();
  });
  after(async () => adapter?.stop());

  it('disconnects the client, which resumes its session and receives again', async () => {
    const id = uniqueId('cancelled');
    const topic = `cancel/${id}`;
    const c = await join(adapter.ports.mqtt, { clientId: id, clean: false });
    await c.subscribeAsync(topic, { qos: 1 });
    const gone = closed(c);
    await rabbitmqctl('delete_queue', `mqtt-subscription-${id}qos1`);
    await within(gone, 5000, 'the client disconnected after its queue was deleted');

    const again = await join(adapter.ports.mqtt, { clientId: id, clean: false });
    const got = new Promise<string>((resolve) => again.on('message', (_t, m) => resolve(m.toString())));
    await again.publishAsync(topic, 'after the cancel', { qos: 1 });
    assert.equal(await within(got, 5000, 'a message after resuming'), 'after the cancel');
    // End the session and its queue.
    await again.endAsync();
    clients.delete(again);
    await (await join(adapter.ports.mqtt, { clientId: id, clean: true })).endAsync();
  });
});

describe('lifecycle: RabbitMQ blocked by its memory alarm', function () {
  this.timeout(60_000);
  const CLOSE_MS = 2000;
  const CONNECT_MS = 4000;
  let adapter: Adapter;
  before(async () => {
    adapter = await startAdapter({
      MQTT_ADAPTER_CLOSE_TIMEOUT_MS: String(CLOSE_MS),
      MQTT_ADAPTER_CONNECT_DEADLINE_MS: String(CONNECT_MS),
    });
  });
  after(async () => {
    await setMemoryWatermark(DEFAULT_MEMORY_WATERMARK);
    await adapter?.stop();
  });

  it('a close and a reconnect with the same client id each finish within their deadlines', async () => {
    const id = uniqueId('blocked');
    const topic = `blocked/${id}`;
    const c = await join(adapter.ports.mqtt, { clientId: id, clean: true });
    await c.subscribeAsync(topic, { qos: 1 });
    try {
      await setMemoryWatermark('0.0000001');
      // A QoS 1 publish RabbitMQ will not confirm while blocked: its PUBACK never comes.
      void c.publishAsync(topic, 'stuck', { qos: 1 }).catch(() => undefined);
      await until(
        async () => (await rabbitmqctl('list_connections', 'state')).includes('blocked'),
        'a blocked AMQP connection',
        10_000,
      );
      const closeStarted = Date.now();
      c.stream.destroy();
      await until(
        async () => (await counter(adapter, 'mqtt_adapter_sessions')) === 0,
        'the session released',
        CLOSE_MS + 2000,
      );
      const closeMs = Date.now() - closeStarted;

      const reconnectStarted = Date.now();
      const answer = await within(
        join(adapter.ports.mqtt, { clientId: id, clean: true }).then(
          (again) => (again ? 'CONNACK 0' : 'no CONNACK'),
          (err: Error) => `refused: ${err.message}`,
        ),
        CONNECT_MS + CLOSE_MS + 2000,
        'an answer to the reconnect',
      );
      const reconnectMs = Date.now() - reconnectStarted;
      console.log(
        `      blocked: close released in ${closeMs} ms, reconnect answered (${answer}) in ${reconnectMs} ms`,
      );
      assert.ok(closeMs <= CLOSE_MS + 1000, `close took ${closeMs} ms`);
      assert.ok(reconnectMs <= CONNECT_MS + CLOSE_MS + 1000, `reconnect took ${reconnectMs} ms`);
    } finally {
      await setMemoryWatermark(DEFAULT_MEMORY_WATERMARK);
    }
    // Unblocked, the client id works again.
    await until(
      async () => {
        return (
          (await join(adapter.ports.mqtt, { clientId: id, clean: true }).catch(() => undefined)) !== undefined
        );
      },
      'a CONNACK once RabbitMQ is unblocked',
      15_000,
    );
  });
});
