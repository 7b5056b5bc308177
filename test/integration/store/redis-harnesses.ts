import { strict as assert } from 'node:assert';
import { redisConnectionName } from '../../../adapter/src/store/incarnation';
import type { RedisClient } from '../../../adapter/src/store/redis/client';
import { connectedNames } from '../../../adapter/src/store/redis/connected-names';
import { RedisLiveness } from '../../../adapter/src/store/redis/redis-liveness';
import { RedisRetainedStore } from '../../../adapter/src/store/redis/redis-retained-store';
import { RedisSessionStore } from '../../../adapter/src/store/redis/redis-session-store';
import { RedisWillStore } from '../../../adapter/src/store/redis/redis-will-store';
import { eventually } from './eventually';
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

/**
 * Each pod gets its own connections, named after its incarnation as replicas
 * name theirs, so their scripts really interleave and CLIENT LIST tells a
 * killed pod from a stalled one.
 */
export function redisPodsHarness(redis: () => RedisFixture, ttlMs = 150, stallMs = 600): () => WillHarness {
  return () => {
    const opened: { client: RedisClient; name: string; stores: PodStores }[] = [];
    return {
      ttlMs,
      stallMs,
      open: async (incarnation) => {
        const { keys } = redis();
        const connectionName = redisConnectionName(incarnation);
        const client = redis().duplicate({ connectionName });
        const sessions = new RedisSessionStore(client, { podName: incarnation, keys });
        await sessions.ready;
        const stores: PodStores = {
          sessions,
          wills: new RedisWillStore(client, keys),
          liveness: new RedisLiveness(client, { incarnation, connectionName, ttlMs, stallMs, keys }),
        };
        opened.push({ client, name: connectionName, stores });
        return stores;
      },
      kill: async (pod) => {
        const found = opened.find((o) => o.stores === pod);
        if (!found) throw new Error('not a pod of this harness');
        await pod.sessions.close();
        found.client.disconnect();
        // Redis has seen both connections go once it no longer lists the name.
        await eventually(async () =>
          assert.equal((await connectedNames(redis().client))?.has(found.name), false),
        );
      },
      closeAll: async () => {
        for (const { client, stores } of opened.splice(0)) {
          await stores.sessions.close();
          await client.quit().catch(() => undefined);
        }
      },
    };
  };
}
