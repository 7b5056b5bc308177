import { strict as assert } from 'node:assert';
import { Redis } from 'ioredis';
import { RedisRetainedStore } from '../../../adapter/src/store/redis/redis-retained-store';
import { retainedStoreContract } from './retained-store.contract';
import { REDIS_URL, RedisFixture } from './redis-fixture';
import { redisRetainedHarness } from './redis-harnesses';

describe('RedisRetainedStore', () => {
  const redis = new RedisFixture();
  after(() => redis.close());
  afterEach(() => redis.cleanup());

  retainedStoreContract(
    'redis',
    redisRetainedHarness(() => redis),
  );

  describe('Redis specifics', () => {
    it('keeps the index and the messages in step', async () => {
      const store = new RedisRetainedStore(redis.client, redis.keys);
      await store.set({ topic: 'i/1', payload: Buffer.from('x'), qos: 0 });
      await store.set({ topic: 'i/2', payload: Buffer.from('y'), qos: 0 });
      await store.set({ topic: 'i/1', payload: Buffer.alloc(0), qos: 0 });
      assert.deepEqual(await redis.client.zrange(redis.keys.retainedIndex(), 0, -1), ['i/2']);
      assert.deepEqual(await redis.client.hkeys(redis.keys.retainedMessages()), ['i/2']);
    });

    it('reads only the index range under the literal prefix', async () => {
      const store = new RedisRetainedStore(redis.client, redis.keys);
      await Promise.all(
        ['a/1', 'b/1', 'b/2', 'c/1'].map((t) => store.set({ topic: t, payload: Buffer.from(t), qos: 0 })),
      );
      // monitor() opens a connection of its own; the one it was asked on is not needed after.
      const asked = new Redis(REDIS_URL);
      const monitor = await asked.monitor();
      await asked.quit();
      const seen: string[][] = [];
      monitor.on('monitor', (_time: string, args: string[]) => seen.push(args));
      await store.match('b/+');
      await new Promise((r) => setTimeout(r, 50));
      monitor.disconnect();
      // MONITOR sees the whole server: look only at commands on this run's keys.
      const ours = seen.filter((a) => a.some((arg) => arg.startsWith(redis.keys.prefix)));
      const ranges = ours.filter((a) => a[0]?.toLowerCase() === 'zrangebylex');
      assert.equal(ranges.length, 1);
      assert.equal(ranges[0][2], '[b/');
      assert.ok(!ours.some((a) => ['hgetall', 'hkeys', 'hvals'].includes(a[0].toLowerCase())));
      assert.ok(
        !seen.some(
          (a) => ['scan', 'keys'].includes(a[0].toLowerCase()) && a.includes(`${redis.keys.prefix}*`),
        ),
      );
    });
  });
});
