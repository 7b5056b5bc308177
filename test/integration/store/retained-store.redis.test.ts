import { strict as assert } from 'node:assert';
import { RedisRetainedStore } from '../../../adapter/src/store/redis/redis-retained-store';
import { matchAll, retainedStoreContract } from './retained-store.contract';
import { RedisFixture } from './redis-fixture';
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
      const watch = await redis.watchCommands();
      await matchAll(store, 'b/+');
      await new Promise((r) => setTimeout(r, 50));
      watch.stop();
      const ours = watch.seen;
      const ranges = ours.filter((a) => a[0]?.toLowerCase() === 'zrangebylex');
      assert.equal(ranges.length, 1);
      assert.equal(ranges[0][2], '[b/');
      assert.ok(!ours.some((a) => ['hgetall', 'hkeys', 'hvals'].includes(a[0].toLowerCase())));
      assert.ok(!ours.some((a) => ['scan', 'keys'].includes(a[0].toLowerCase())));
    });
  });
});
