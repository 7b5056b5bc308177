import { randomBytes } from 'node:crypto';
import { createRedisClient, type RedisClient } from '../../../adapter/src/store/redis/client';
import { RedisKeys } from '../../../adapter/src/store/redis/keys';

export const REDIS_URL = process.env.MQTT_ADAPTER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * The shared test Redis, used under a key prefix unique to this run. after()
 * deletes exactly the keys under that prefix and nothing else.
 */
export class RedisFixture {
  readonly keys = new RedisKeys(`mqtt-adapter-test:${process.pid}-${randomBytes(4).toString('hex')}:`);
  readonly client: RedisClient = createRedisClient({
    redisMode: 'standalone',
    redisUrl: REDIS_URL,
    redisSentinelName: 'mymaster',
    redisPassword: undefined,
  });

  /** Every key this run created (SCAN with our prefix only). */
  async ownKeys(): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.client.scan(cursor, 'MATCH', `${this.keys.prefix}*`, 'COUNT', 1000);
      cursor = next;
      found.push(...batch);
    } while (cursor !== '0');
    return found;
  }

  async cleanup(): Promise<void> {
    const keys = await this.ownKeys();
    if (keys.length > 0) await this.client.del(...keys);
  }

  async close(): Promise<void> {
    await this.cleanup();
    await this.client.quit();
  }
}
