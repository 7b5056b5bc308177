import Redis from 'ioredis';
import type { ServiceState } from './state';

const REDIS_URL = process.env.MQTT_ADAPTER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The databases INFO keyspace lists as holding keys (`db0:keys=3,...`). */
export function keyspaceDbs(info: string): number[] {
  return [...info.matchAll(/^db(\d+):keys=/gm)].map((m) => Number(m[1]));
}

/** Every key of the shared Redis, in every database that has any. */
export async function redisState(): Promise<ServiceState> {
  const redis = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  const state = new Map<string, string>();
  try {
    await redis.connect();
    for (const db of keyspaceDbs(await redis.info('keyspace'))) {
      await redis.select(db);
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
        cursor = next;
        for (const key of keys) state.set(`redis db${db} ${key}`, '');
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
  return state;
}
