import { randomBytes } from 'node:crypto';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import {
  createRedisClient,
  type RedisClient,
  type RedisConnectionConfig,
} from '../../../adapter/src/store/redis/client';
import { RedisKeys } from '../../../adapter/src/store/redis/keys';

export const REDIS_URL = process.env.MQTT_ADAPTER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const SHARED: RedisConnectionConfig = {
  redisMode: 'standalone',
  redisUrl: REDIS_URL,
  redisSentinelName: 'mymaster',
  redisPassword: undefined,
};

/** Outage tests provoke connection errors on purpose; without a listener ioredis prints each one. */
function quiet(client: RedisClient): RedisClient {
  client.on('error', () => undefined);
  return client;
}

/**
 * A Redis (the shared test one unless told otherwise) used under a key prefix
 * unique to this run. cleanup() deletes exactly the keys under that prefix.
 */
export class RedisFixture {
  readonly keys = new RedisKeys(`mqtt-adapter-test:${process.pid}-${randomBytes(4).toString('hex')}:`);
  readonly client: RedisClient;

  constructor(config: Partial<RedisConnectionConfig> = {}) {
    this.client = quiet(createRedisClient({ ...SHARED, ...config }));
  }

  /** Another connection to the same Redis, as a second replica would have. */
  duplicate(overrides: RedisOptions = {}): RedisClient {
    const c = this.client;
    return quiet(
      c instanceof Cluster
        ? c.duplicate(undefined, { redisOptions: { ...c.options.redisOptions, ...overrides } })
        : c.duplicate(overrides),
    );
  }

  /** Every key this run created: SCAN with our prefix, on every master of a Cluster. */
  async ownKeys(): Promise<string[]> {
    const nodes = this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
    const found: string[] = [];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, batch] = await node.scan(cursor, 'MATCH', `${this.keys.prefix}*`, 'COUNT', 1000);
        cursor = next;
        found.push(...batch);
      } while (cursor !== '0');
    }
    return found;
  }

  /**
   * Records the commands Redis runs on this run's keys (MONITOR sees the whole
   * server) until stop() is called; with `sent`, only those clients sent, not
   * those their scripts ran: one each is one round trip.
   */
  async watchCommands(sent = false): Promise<{ seen: string[][]; stop(): void }> {
    // monitor() opens a connection of its own; the one it was asked on is not needed after.
    const asked = new Redis(REDIS_URL);
    const monitor = await asked.monitor();
    await asked.quit();
    const seen: string[][] = [];
    const prefix = this.keys.prefix;
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (sent && source === 'lua') return;
      if (args.some((arg) => arg.startsWith(prefix))) seen.push(args);
    });
    return { seen, stop: () => monitor.disconnect() };
  }

  async cleanup(): Promise<void> {
    // One DEL per key: in a Cluster the keys live in different slots.
    for (const key of await this.ownKeys()) await this.client.del(key);
  }

  async close(): Promise<void> {
    await this.cleanup();
    await this.client.quit();
  }
}
