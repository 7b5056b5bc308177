import { strict as assert } from 'node:assert';
import type { IPublishPacket } from 'mqtt-packet';
import type { Adapter } from '../../../adapter/src/server';
import { RedisRetainedStore } from '../../../adapter/src/store/redis/redis-retained-store';
import { RETAINED_PAGE } from '../../../adapter/src/session/retained-stream';
import { startAdapter, uniqueId } from '../helpers/adapter';
import { RawMqtt } from '../helpers/raw-mqtt';
import { useCleanup } from '../helpers/suite';
import { delay, until } from '../helpers/wait';
import { RedisFixture } from '../store/redis-fixture';
import { httpGet, metricValue } from '../helpers/clients';
import { uniqueTopic } from './support';

/** Retained messages seeded under one root: `<root>/<i % 10>/<i>`. */
const N = 3000;

/**
 * Retained messages are read from Redis a page at a time and sent only as the
 * client's window allows, through a real client and a real Redis: each comes
 * once, no more than the Receive Maximum are unacknowledged, a page is read
 * only once the one before is out, and a client that leaves mid-stream stops
 * the reads (pages counted by the adapter's own store metrics).
 */
describe('MQTT 5 retained messages streamed through the receive window', function () {
  this.timeout(60_000);
  const redis = new RedisFixture();
  let adapter: Adapter;
  const root = uniqueTopic('rs');
  const topics = Array.from({ length: N }, (_, i) => `${root}/${i % 10}/${i}`);

  before(async function () {
    const store = new RedisRetainedStore(redis.client, redis.keys);
    for (let i = 0; i < N; i += 200) {
      await Promise.all(
        topics.slice(i, i + 200).map((topic) => store.set({ topic, payload: Buffer.from(topic), qos: 2 })),
      );
    }
    adapter = await startAdapter({
      MQTT_ADAPTER_STORE: 'redis',
      MQTT_ADAPTER_REDIS_KEY_PREFIX: redis.keys.prefix,
    });
  });
  after(async function () {
    await adapter?.stop();
    await redis.close();
  });
  useCleanup();

  /** Retained pages the adapter has read from Redis so far, as its store metrics count them. */
  const pageReads = async (): Promise<number> =>
    metricValue(
      (await httpGet(adapter.ports.http, '/metrics')).body,
      'mqtt_adapter_redis_command_seconds_count',
      {
        operation: 'retained.page',
      },
    ) ?? 0;

  const connect = async (receiveMaximum: number): Promise<RawMqtt> => {
    const { client, connack } = await RawMqtt.connect5(adapter.ports.mqtt, {
      clientId: uniqueId('rs'),
      properties: { receiveMaximum },
    });
    assert.equal(connack.reasonCode, 0);
    return client;
  };

  it('sends each of N retained messages exactly once, never more than the Receive Maximum unacknowledged', async function () {
    const window = 5;
    const c = await connect(window);
    const readsBefore = await pageReads();
    assert.deepEqual(await c.subscribe([{ topic: `${root}/#`, qos: 1 }]), [1]);
    const got: IPublishPacket[] = [];
    while (got.length < N) {
      const batch = await c.publishes(Math.min(window, N - got.length));
      got.push(...batch);
      if (got.length % 500 === 0) {
        // Held unacknowledged for a while: nothing beyond the window comes, and no page is read ahead.
        await delay(50);
        assert.equal(c.pendingPublishes.length, 0, `more than ${window} unacknowledged`);
        const pagesOut = Math.ceil(got.length / RETAINED_PAGE);
        const read = (await pageReads()) - readsBefore;
        assert.ok(read <= pagesOut + 1, `${read} pages read for ${got.length} sent`);
      }
      for (const p of batch) c.puback(p.messageId as number);
    }
    await delay(100);
    assert.equal(c.pendingPublishes.length, 0, 'more than N messages');
    const seen = got.map((p) => p.topic);
    const twice = seen.filter((t, i) => seen.indexOf(t) !== i);
    const lost = topics.filter((t) => !seen.includes(t));
    assert.deepEqual({ twice, lost }, { twice: [], lost: [] });
    for (const p of got) {
      assert.equal(p.retain, true);
      assert.equal(p.qos, 1);
      assert.equal(p.payload.toString(), p.topic);
    }
    await c.disconnect();
  });

  it('a client that disconnects mid-stream stops the reads and leaves nothing behind', async function () {
    const before = adapter.connectionCount;
    const c = await connect(2);
    const readsBefore = await pageReads();
    await c.subscribe([{ topic: `${root}/#`, qos: 1 }]);
    await c.publishes(2);
    await delay(100);
    assert.equal((await pageReads()) - readsBefore, 1, 'one page read while the window is full');
    await c.destroy();
    await until(() => adapter.connectionCount === before, 'the connection closed');
    await delay(300);
    assert.equal((await pageReads()) - readsBefore, 1, 'no page read after the client left');
  });

  it('UNSUBSCRIBE drops what is still owed; a filter subscribed meanwhile is served after it', async function () {
    const c = await connect(3);
    await c.subscribe([{ topic: `${root}/#`, qos: 1 }]);
    const first = await c.publishes(3);
    assert.deepEqual(await c.subscribe([{ topic: `${root}/7/+`, qos: 1 }]), [1]);
    c.send({ cmd: 'unsubscribe', messageId: 99, unsubscriptions: [`${root}/#`] });
    await c.nextOf('unsuback');
    for (const p of first) c.puback(p.messageId as number);
    const sevens = topics.filter((t) => t.startsWith(`${root}/7/`));
    const got: string[] = [];
    while (got.length < sevens.length) {
      const [p] = await c.publishes(1);
      got.push(p.topic);
      c.puback(p.messageId as number);
    }
    await delay(200);
    assert.deepEqual(
      c.pendingPublishes.map((p) => p.topic),
      [],
      'sent after both streams ended',
    );
    assert.deepEqual([...got].sort(), [...sevens].sort(), `${root}/7/+ in full, once each`);
    assert.ok(first.every((p) => !p.topic.startsWith(`${root}/7/`)));
    await c.disconnect();
  });
});
