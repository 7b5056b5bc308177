import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Config } from '../../config/settings';
import { stallAwareCommandTimeout } from './command-timeout';

export type RedisClient = Redis | Cluster;

export type RedisConnectionConfig = Pick<
  Config,
  'redisMode' | 'redisUrl' | 'redisSentinelName' | 'redisPassword'
>;

/**
 * Commands fail within a bounded time while Redis is away instead of queueing
 * without limit, so a CONNECT can be answered "server unavailable" and memory
 * stays bounded; ioredis keeps reconnecting in the background. The command
 * timeout is COMMAND_TIMEOUT_MS, applied by stallAwareCommandTimeout rather
 * than ioredis's own `commandTimeout`.
 */
const RESILIENCE: RedisOptions = {
  maxRetriesPerRequest: 1,
  connectTimeout: 2000,
  retryStrategy: (times: number) => Math.min(50 * times, 1000),
};

const COMMAND_TIMEOUT_MS = 2000;

/** `host:port,host:port` -> seed list; the port defaults to 6379 (26379 for Sentinel). */
export function parseSeeds(list: string, defaultPort: number): { host: string; port: number }[] {
  return list
    .split(',')
    .map((s) => s.trim().replace(/^redis:\/\//, ''))
    .filter((s) => s.length > 0)
    .map((s) => {
      const colon = s.lastIndexOf(':');
      if (colon === -1) return { host: s, port: defaultPort };
      const port = Number(s.slice(colon + 1));
      if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`bad Redis seed ${s}`);
      return { host: s.slice(0, colon), port };
    });
}

/**
 * A client for the configured topology: standalone URL, Sentinel seeds, or
 * Cluster seeds. Its `duplicate()` copies the options but not the command
 * timeout, which belongs to this client.
 */
export function createRedisClient(config: RedisConnectionConfig, overrides: RedisOptions = {}): RedisClient {
  const { commandTimeout = COMMAND_TIMEOUT_MS, ...rest } = overrides;
  const client = connect(config, { ...RESILIENCE, ...rest });
  stallAwareCommandTimeout(client, commandTimeout);
  return client;
}

function connect(config: RedisConnectionConfig, options: RedisOptions): RedisClient {
  switch (config.redisMode) {
    case 'standalone':
      return new Redis(config.redisUrl, {
        ...options,
        ...(config.redisPassword ? { password: config.redisPassword } : {}),
      });
    case 'sentinel':
      return new Redis({
        ...options,
        sentinels: parseSeeds(config.redisUrl, 26379),
        name: config.redisSentinelName,
        password: config.redisPassword,
        sentinelPassword: config.redisPassword,
      });
    case 'cluster': {
      const clusterOptions: ClusterOptions = {
        redisOptions: { ...options, password: config.redisPassword },
        clusterRetryStrategy: RESILIENCE.retryStrategy,
      };
      return new Cluster(parseSeeds(config.redisUrl, 6379), clusterOptions);
    }
  }
}

/**
 * A second connection for SUBSCRIBE (a subscribed connection can run nothing
 * else). It waits for Redis instead of failing, so a subscription made while
 * Redis is down still happens once it is back.
 */
export function duplicateForSubscribe(client: RedisClient): RedisClient {
  const wait: RedisOptions = { maxRetriesPerRequest: null, commandTimeout: undefined };
  return client instanceof Cluster
    ? client.duplicate(undefined, { redisOptions: { ...client.options.redisOptions, ...wait } })
    : client.duplicate(wait);
}
