import { strict as assert } from 'node:assert';
import type { RedisClient } from '../../../adapter/src/store/redis/client';
import { RedisLiveness } from '../../../adapter/src/store/redis/redis-liveness';
import { RedisSessionStore } from '../../../adapter/src/store/redis/redis-session-store';
import { RedisWillStore } from '../../../adapter/src/store/redis/redis-will-store';
import { eventually } from './eventually';
import { livenessContract } from './liveness.contract';
import { RedisFixture } from './redis-fixture';
import {
  connect,
  newClient,
  sleep,
  willStoreContract,
  type PodStores,
  type WillHarness,
} from './will-store.contract';

describe('Redis wills and liveness', () => {
  const redis = new RedisFixture();
  after(() => redis.close());
  afterEach(() => redis.cleanup());

  /** Each pod gets its own connection, as replicas do, so scripts really interleave. */
  function redisPods(): WillHarness {
    const ttlMs = 150;
    const opened: { client: RedisClient; stores: PodStores }[] = [];
    return {
      ttlMs,
      open: async (podName) => {
        const client = redis.client.duplicate();
        const sessions = new RedisSessionStore(client, { podName, keys: redis.keys });
        await sessions.ready;
        const stores: PodStores = {
          sessions,
          wills: new RedisWillStore(client, redis.keys),
          liveness: new RedisLiveness(client, { podName, ttlMs, keys: redis.keys }),
        };
        opened.push({ client, stores });
        return stores;
      },
      closeAll: async () => {
        for (const { client, stores } of opened.splice(0)) {
          await stores.sessions.close();
          await client.quit();
        }
      },
    };
  }

  willStoreContract('redis', redisPods);
  livenessContract('redis', redisPods);

  describe('Redis specifics', () => {
    let h: WillHarness;
    beforeEach(() => {
      h = redisPods();
    });
    afterEach(() => h.closeAll());

    it("a dead pod's sessions are released, fenced, and its connections told to close", async () => {
      const a = await h.open('pod-a');
      const b = await h.open('pod-b');
      const heard: string[] = [];
      a.sessions.onTakeover((clientId) => heard.push(clientId));
      await a.liveness.refresh();
      const id = newClient();
      const epoch = await connect(a, 'pod-a', id);
      await a.sessions.save(id, epoch, { protocolVersion: 5, expirySeconds: 60, subscriptions: [] });
      await sleep(h.ttlMs + 50);
      await b.liveness.claimDeadPods();
      await eventually(() => assert.deepEqual(heard, [id]));
      const ttl = await redis.client.pttl(redis.keys.session(id));
      assert.ok(ttl > 50_000 && ttl <= 60_000, `session ttl ${ttl}`);
      await assert.rejects(
        a.sessions.save(id, epoch, { protocolVersion: 5, expirySeconds: 60, subscriptions: [] }),
      );
      const resumed = await b.sessions.claim(id, { pod: 'pod-b', connection: 'x' }, false);
      assert.equal(resumed.previous, undefined);
      assert.equal(resumed.session?.expirySeconds, 60);
      assert.equal(await redis.client.sismember(redis.keys.pods(), 'pod-a'), 0, 'the swept pod is forgotten');
      assert.equal(await redis.client.exists(redis.keys.podClients('pod-a')), 0);
      assert.equal(await redis.client.zcard(redis.keys.willsDue()), 0, 'no index entry left behind');
    });

    it('keeps a will in its client slot and the due index free of leftovers', async () => {
      const a = await h.open('pod-a');
      const id = newClient();
      const epoch = await connect(a, 'pod-a', id, {
        topic: 't',
        payload: Buffer.from('x'),
        qos: 0,
        retain: false,
        delaySeconds: 0,
      });
      assert.equal(await redis.client.exists(redis.keys.will(id)), 1);
      await a.wills.schedule(id, epoch, 0);
      await sleep(5);
      assert.equal((await a.wills.claimDue()).length, 1);
      assert.equal(await redis.client.zcard(redis.keys.willsDue()), 0);
      assert.equal(await redis.client.exists(redis.keys.will(id)), 0);
    });
  });
});
