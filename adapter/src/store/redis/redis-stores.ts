import type { Config } from '../../config/settings';
import { createRedisClient, type RedisClient } from './client';
import { RedisKeys } from './keys';
import { RedisLiveness } from './redis-liveness';
import { RedisRetainedStore } from './redis-retained-store';
import { RedisSessionStore } from './redis-session-store';
import { RedisWillStore } from './redis-will-store';

export type RedisStoresConfig = Pick<
  Config,
  'redisMode' | 'redisUrl' | 'redisSentinelName' | 'redisPassword' | 'redisKeyPrefix' | 'livenessTtlMs'
>;

/** Every Redis-backed port of one replica, over one shared connection. */
export interface RedisStores {
  readonly client: RedisClient;
  readonly sessions: RedisSessionStore;
  readonly retained: RedisRetainedStore;
  readonly wills: RedisWillStore;
  readonly liveness: RedisLiveness;
  /** Settles once takeovers of this pod's connections can be heard; waits for Redis if it is away. */
  readonly ready: Promise<void>;
  /** For /readyz: what is not ready, empty when Redis is connected. */
  notReady(): Promise<string[]>;
  close(): Promise<void>;
}

/** The stores of MQTT_ADAPTER_STORE=redis, from the configuration. */
export function openRedisStores(
  config: RedisStoresConfig,
  podName: string,
  onError: (err: Error) => void = () => undefined,
): RedisStores {
  const client = createRedisClient(config);
  client.on('error', onError);
  const keys = new RedisKeys(config.redisKeyPrefix);
  const sessions = new RedisSessionStore(client, { podName, keys, onError });
  return {
    client,
    sessions,
    retained: new RedisRetainedStore(client, keys),
    wills: new RedisWillStore(client, keys),
    liveness: new RedisLiveness(client, { podName, ttlMs: config.livenessTtlMs, keys }),
    ready: sessions.ready,
    notReady: () => Promise.resolve(client.status === 'ready' ? [] : [`redis: ${client.status}`]),
    close: async () => {
      await sessions.close();
      await client.quit().catch(() => client.disconnect());
    },
  };
}
