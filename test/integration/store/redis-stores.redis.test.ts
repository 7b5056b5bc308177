import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { openRedisStores } from '../../../adapter/src/store/redis/redis-stores';
import { REDIS_URL } from './redis-fixture';

describe('openRedisStores', () => {
  it('wires every Redis store from the configuration under the configured prefix', async () => {
    const prefix = `mqtt-adapter-test:${process.pid}-${randomBytes(4).toString('hex')}:`;
    const stores = openRedisStores(
      {
        redisMode: 'standalone',
        redisUrl: REDIS_URL,
        redisSentinelName: 'mymaster',
        redisPassword: undefined,
        redisKeyPrefix: prefix,
        livenessTtlMs: 2000,
        livenessStallMs: 10000,
      },
      'pod-wiring',
    );
    try {
      await stores.ready;
      const { epoch } = await stores.sessions.claim('wired', { pod: 'pod-wiring', connection: 'c' }, false);
      await stores.wills.put('wired', epoch, {
        topic: 'w',
        payload: Buffer.from('x'),
        qos: 0,
        retain: false,
        delaySeconds: 0,
      });
      await stores.retained.set({ topic: 'r/1', payload: Buffer.from('r'), qos: 0 });
      await stores.liveness.refresh();
      assert.deepEqual(await stores.notReady(), [], 'ready once commands go through');
      const keys = await stores.client.keys(`${prefix}*`);
      assert.deepEqual(keys.sort(), [
        `${prefix}client:{wired}:owner`,
        `${prefix}client:{wired}:will`,
        `${prefix}pod:{pod-wiring}:alive`,
        `${prefix}pod:{pod-wiring}:clients`,
        `${prefix}{pods}`,
        `${prefix}{retained}:index`,
        `${prefix}{retained}:messages`,
      ]);
      await stores.client.del(...keys);
    } finally {
      await stores.close();
    }
  });
});
