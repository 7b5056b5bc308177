import { strict as assert } from 'node:assert';
import { eventually } from './eventually';
import { RedisFixture } from './redis-fixture';
import { redisRetainedHarness, redisSessionHarness } from './redis-harnesses';
import { MASTER_NAME, RedisSentinelServers } from './redis-sentinel';
import { retainedStoreContract } from './retained-store.contract';
import { sessionStoreContract } from './session-store.contract';

/* The stores through Sentinel (private servers), including a failover to the replica. */
describe('Redis Sentinel (private master, replica and sentinel)', function () {
  this.timeout(30_000);
  let servers: RedisSentinelServers | undefined;
  let redis: RedisFixture | undefined;
  const fixture = (): RedisFixture => {
    if (!redis) throw new Error('sentinel not started');
    return redis;
  };

  before(async () => {
    servers = await RedisSentinelServers.start();
    redis = new RedisFixture({
      redisMode: 'sentinel',
      redisUrl: servers.seeds(),
      redisSentinelName: MASTER_NAME,
    });
  });
  after(async () => {
    redis?.client.disconnect();
    await servers?.stop();
  });
  afterEach(() => redis?.cleanup());

  sessionStoreContract('redis sentinel', redisSessionHarness(fixture));
  retainedStoreContract('redis sentinel', redisRetainedHarness(fixture));

  it('keeps sessions and increasing epochs across a failover to the replica', async () => {
    const store = await redisSessionHarness(fixture)().open('pod-a');
    try {
      const owner = { pod: 'pod-a', connection: '1' };
      const first = await store.claim('failover', owner, false);
      const state = {
        protocolVersion: 5,
        expirySeconds: 300,
        subscriptions: [{ filter: 'f/#', qos: 1 as const }],
      };
      await store.save('failover', first.epoch, state);
      await servers!.replicated();
      await servers!.master.pause();
      let resumed: Awaited<ReturnType<typeof store.claim>> | undefined;
      await eventually(async () => {
        resumed = await store.claim('failover', { pod: 'pod-b', connection: '2' }, false);
      }, 20_000);
      assert.ok(resumed!.epoch > first.epoch);
      assert.deepEqual(resumed!.previous, owner);
      assert.deepEqual(resumed!.session, state);
    } finally {
      await store.close();
    }
  });
});
