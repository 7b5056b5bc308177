import { RedisClusterServers } from '../../test/integration/store/redis-cluster';
import { MASTER_NAME, RedisSentinelServers } from '../../test/integration/store/redis-sentinel';
import type { RedisServer } from '../../test/integration/store/redis-server';
import { delay } from '../../test/integration/helpers/wait';

export type Mode = 'sentinel' | 'cluster';

export interface TopologyOptions {
  /** Sentinel `down-after-milliseconds`, or the Cluster's `cluster-node-timeout`. */
  readonly detectMs: number;
}

/**
 * A private Redis that can fail over: a master, its replica and three
 * Sentinels, or a three-master Cluster with a replica per master. Never the
 * shared Redis.
 */
export interface FailoverRedis {
  readonly mode: Mode;
  /** The adapter's settings for it. */
  readonly env: Record<string, string>;
  /** The master now (in a Cluster the one serving `key`). */
  master(key: string): Promise<RedisServer>;
  /** Resolves once a server other than `old` is master (for `key`). */
  promotedOver(old: RedisServer, key: string): Promise<void>;
  /** `redis://` URLs of the masters now, to count what is left on them. */
  masterUrls(): Promise<string[]>;
  stop(): Promise<void>;
}

const url = (s: RedisServer): string => `redis://127.0.0.1:${s.port}`;

/** Polls every 100 ms (each poll is a redis-cli process on a small machine) until `now()` is not `old`. */
export async function promoted(old: RedisServer, now: () => Promise<RedisServer>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await now().catch(() => old)) === old) {
    if (Date.now() > deadline) throw new Error('no replica promoted within 60 s');
    await delay(100);
  }
}

export async function startFailoverRedis(mode: Mode, o: TopologyOptions): Promise<FailoverRedis> {
  if (mode === 'sentinel') {
    const s = await RedisSentinelServers.start({ downAfterMs: o.detectMs });
    return {
      mode,
      env: {
        MQTT_ADAPTER_REDIS_MODE: 'sentinel',
        MQTT_ADAPTER_REDIS_URL: s.seeds(),
        MQTT_ADAPTER_REDIS_SENTINEL_NAME: MASTER_NAME,
      },
      master: () => s.currentMaster(),
      promotedOver: (old) => promoted(old, () => s.currentMaster()),
      masterUrls: async () => [url(await s.currentMaster())],
      stop: () => s.stop(),
    };
  }
  const c = await RedisClusterServers.start(1, o.detectMs);
  return {
    mode,
    env: { MQTT_ADAPTER_REDIS_MODE: 'cluster', MQTT_ADAPTER_REDIS_URL: c.seeds() },
    master: (key) => c.masterOf(key),
    promotedOver: (old, key) => promoted(old, () => c.masterOf(key)),
    masterUrls: async () => (await c.masters()).map(url),
    stop: () => c.stop(),
  };
}
