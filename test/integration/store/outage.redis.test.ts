import { strict as assert } from 'node:assert';
import type { SessionStore } from '../../../adapter/src/ports/session-store';
import { RedisRetainedStore } from '../../../adapter/src/store/redis/redis-retained-store';
import { openRedisStores } from '../../../adapter/src/store/redis/redis-stores';
import { eventually } from './eventually';
import { matchAll } from './retained-store.contract';
import { RedisFixture } from './redis-fixture';
import { redisSessionHarness } from './redis-harnesses';
import { RedisServer } from './redis-server';

/*
 * Redis goes away and comes back (a private redis-server, never the shared
 * one): store calls fail within a bounded time instead of hanging, and
 * everything, the takeover subscription included, recovers by itself.
 */
describe('Redis stores through a Redis restart', function () {
  this.timeout(30_000);
  let server: RedisServer;
  let redis: RedisFixture;
  let a: SessionStore;
  let b: SessionStore;

  before(async () => {
    server = await RedisServer.start();
    redis = new RedisFixture({ redisUrl: `redis://127.0.0.1:${server.port}` });
    const harness = redisSessionHarness(() => redis)();
    a = await harness.open('pod-a');
    b = await harness.open('pod-b');
  });
  after(async () => {
    await a.close();
    await b.close();
    redis.client.disconnect();
    await server.stop();
  });

  it('fails claims fast while Redis is down, then recovers with takeovers heard again [MQTT-3.1.4-2]', async () => {
    const heard: string[] = [];
    a.onTakeover((clientId) => heard.push(clientId));
    await a.claim('before', { pod: 'pod-a', connection: '1' }, false);

    await server.pause();
    const started = Date.now();
    await assert.rejects(b.claim('during', { pod: 'pod-b', connection: '2' }, false));
    const failedAfter = Date.now() - started;
    assert.ok(failedAfter < 5000, `a claim during the outage failed only after ${failedAfter} ms`);

    await server.resume();
    // The restarted server lost its data and its subscribers; the stores subscribe again.
    // Pub/sub keeps nothing for a subscriber that is away, so each attempt is a fresh takeover.
    await eventually(async () => {
      await a.claim('after', { pod: 'pod-a', connection: '1' }, false);
      await b.claim('after', { pod: 'pod-b', connection: '2' }, false);
      await eventually(() => assert.ok(heard.includes('after')), 200);
    }, 10_000);
  });

  it('fails claims within the command timeout while Redis hangs, and carries on after', async () => {
    server.freeze();
    try {
      const started = Date.now();
      await assert.rejects(a.claim('hung', { pod: 'pod-a', connection: '1' }, false));
      const failedAfter = Date.now() - started;
      assert.ok(failedAfter < 5000, `a claim against a hung Redis failed only after ${failedAfter} ms`);
    } finally {
      server.thaw();
    }
    await eventually(async () => {
      await a.claim('unhung', { pod: 'pod-a', connection: '1' }, false);
    }, 10_000);
  });

  it('reports not ready while Redis is away, and ready again after (for /readyz)', async () => {
    const stores = openRedisStores(
      {
        redisMode: 'standalone',
        redisUrl: `redis://127.0.0.1:${server.port}`,
        redisSentinelName: 'mymaster',
        redisPassword: undefined,
        redisKeyPrefix: redis.keys.prefix,
        livenessTtlMs: 2000,
        livenessStallMs: 10000,
      },
      'pod-ready',
    );
    try {
      await eventually(async () => assert.deepEqual(await stores.notReady(), []), 5000);
      await server.pause();
      await eventually(async () => assert.notDeepEqual(await stores.notReady(), []), 5000);
      await server.resume();
      await eventually(async () => assert.deepEqual(await stores.notReady(), []), 10_000);
    } finally {
      await stores.close();
    }
  });

  it('answers retained lookups again after the restart', async () => {
    const retained = new RedisRetainedStore(redis.client, redis.keys);
    await server.pause();
    await assert.rejects(matchAll(retained, 'x/#'));
    await server.resume();
    await eventually(async () => {
      await retained.set({ topic: 'x/1', payload: Buffer.from('1'), qos: 0 });
    }, 10_000);
    assert.equal((await matchAll(retained, 'x/#')).length, 1);
  });
});
