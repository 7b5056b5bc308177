import type { Config } from '../../config/settings';
import { redisConnectionName } from '../incarnation';
import { createRedisClient, type RedisClient } from './client';
import { RedisKeys } from './keys';
import { RedisLiveness } from './redis-liveness';
import { RedisReplicaLoads } from './redis-replica-loads';
import { RedisRetainedStore } from './redis-retained-store';
import { RedisSessionStore } from './redis-session-store';
import { RedisWillStore } from './redis-will-store';

export type RedisStoresConfig = Pick<
  Config,
  | 'redisMode'
  | 'redisUrl'
  | 'redisSentinelName'
  | 'redisPassword'
  | 'redisKeyPrefix'
  | 'livenessTtlMs'
  | 'livenessStallMs'
>;

/** Every Redis-backed port of one replica, over one shared connection. */
export interface RedisStores {
  readonly client: RedisClient;
  readonly sessions: RedisSessionStore;
  readonly retained: RedisRetainedStore;
  readonly wills: RedisWillStore;
  readonly liveness: RedisLiveness;
  readonly loads: RedisReplicaLoads;
  /** Settles once takeovers of this pod's connections can be heard; waits for Redis if it is away. */
  readonly ready: Promise<void>;
  /** For /readyz: what is not ready, empty when Redis is connected. */
  notReady(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * The stores of MQTT_ADAPTER_STORE=redis, from the configuration, for one
 * incarnation (store/incarnation.ts). Its connections carry the incarnation's
 * name, which is how other pods tell it crashed rather than stalled.
 */
export function openRedisStores(
  config: RedisStoresConfig,
  incarnation: string,
  onError: (err: Error) => void = () => undefined,
  onClientListRefused?: () => void,
): RedisStores {
  const connectionName = redisConnectionName(incarnation);
  const client = createRedisClient(config, { connectionName });
  client.on('error', onError);
  const keys = new RedisKeys(config.redisKeyPrefix);
  const sessions = new RedisSessionStore(client, { podName: incarnation, keys, onError });
  return {
    client,
    sessions,
    retained: new RedisRetainedStore(client, keys),
    wills: new RedisWillStore(client, keys),
    liveness: new RedisLiveness(client, {
      incarnation,
      connectionName,
      ttlMs: config.livenessTtlMs,
      stallMs: config.livenessStallMs,
      keys,
      onClientListRefused,
    }),
    loads: new RedisReplicaLoads(client, incarnation, keys),
    ready: sessions.ready,
    notReady: () => Promise.resolve(client.status === 'ready' ? [] : [`redis: ${client.status}`]),
    close: async () => {
      await sessions.close();
      await client.quit().catch(() => client.disconnect());
    },
  };
}
