import { Redis } from 'ioredis';

/** Longest the clean-up waits to reach Redis: one that is gone has nothing left to clean. */
const CONNECT_TIMEOUT_MS = 2000;

/**
 * Deletes every key under `prefix` in the Redis at `url`, and returns how
 * many went. What the adapter keeps on purpose (an owner hash outlives its
 * session) has no TTL, and on the machine's shared Redis it piled up run
 * after run. SCAN and UNLINK, not KEYS and DEL, so a Redis others use is not
 * held up.
 */
export async function dropKeys(url: string, prefix: string): Promise<number> {
  const redis = new Redis(url, {
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  let dropped = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) dropped += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return dropped;
}
