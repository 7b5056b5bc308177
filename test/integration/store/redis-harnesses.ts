import type { RedisClient } from '../../../adapter/src/store/redis/client';
import { RedisLiveness } from '../../../adapter/src/store/redis/redis-liveness';
import { RedisRetainedStore } from '../../../adapter/src/store/redis/redis-retained-store';
import { RedisSessionStore } from '../../../adapter/src/store/redis/redis-session-store';
import { RedisWillStore } from '../../../adapter/src/store/redis/redis-will-store';
import type { RetainedStoreHarness } from './retained-store.contract';
import type { RedisFixture } from './redis-fixture';
import type { SessionStoreHarness } from './session-store.contract';
import type { PodStores, WillHarness } from './will-store.contract';

/** The contract harnesses over one Redis fixture (standalone, Cluster or Sentinel). */
export function redisSessionHarness(redis: () => RedisFixture): () => SessionStoreHarness {
  return () => ({
    open: async (podName) => {
      const store = new RedisSessionStore(redis().client, { podName, keys: redis().keys });
      await store.ready;
      return store;
    },
  });
}

export function redisRetainedHarness(redis: () => RedisFixture): () => RetainedStoreHarness {
  return () => ({ open: () => Promise.resolve(new RedisRetainedStore(redis().client, redis().keys)) });
}

/** Each pod gets its own connection, as replicas do, so their scripts really interleave. */
export function redisPodsHarness(redis: () => RedisFixture, ttlMs = 150): () => WillHarness {
  return () => {
    const opened: { client: RedisClient; stores: PodStores }[] = [];
    return {
      ttlMs,
      open: async (podName) => {
        const { keys } = redis();
        const client = redis().duplicate();
        const sessions = new RedisSessionStore(client, { podName, keys });
        await sessions.ready;
        const stores: PodStores = {
          sessions,
          wills: new RedisWillStore(client, keys),
          liveness: new RedisLiveness(client, { podName, ttlMs, keys }),
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
  };
}
