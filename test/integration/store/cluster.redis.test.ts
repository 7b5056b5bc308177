import { strict as assert } from 'node:assert';
import type { Cluster } from 'ioredis';
import { livenessContract } from './liveness.contract';
import { RedisClusterServers } from './redis-cluster';
import { RedisFixture } from './redis-fixture';
import { redisPodsHarness, redisRetainedHarness, redisSessionHarness } from './redis-harnesses';
import { retainedStoreContract } from './retained-store.contract';
import { sessionStoreContract } from './session-store.contract';
import { willStoreContract } from './will-store.contract';

/*
 * The same contract suites against a real three-node Redis Cluster: every Lua
 * script and MULTI must stay within one slot, or Redis answers CROSSSLOT.
 */
describe('Redis Cluster (three private nodes)', function () {
  this.timeout(30_000);
  let servers: RedisClusterServers | undefined;
  let redis: RedisFixture | undefined;
  const fixture = (): RedisFixture => {
    if (!redis) throw new Error('cluster not started');
    return redis;
  };

  before(async () => {
    servers = await RedisClusterServers.start();
    redis = new RedisFixture({ redisMode: 'cluster', redisUrl: servers.seeds() });
  });
  after(async () => {
    await redis?.close();
    await servers?.stop();
  });
  afterEach(() => redis?.cleanup());

  it('spreads the keys of different clients over the nodes', async () => {
    const sessions = await redisSessionHarness(fixture)().open('pod-a');
    for (let i = 0; i < 30; i++)
      await sessions.claim(`spread-${i}`, { pod: 'pod-a', connection: 'c' }, false);
    await sessions.close();
    // KEYS is fine here: these nodes are private to this test.
    const masters = (fixture().client as Cluster).nodes('master');
    const perNode = await Promise.all(
      masters.map(async (n) => (await n.keys(`${fixture().keys.prefix}client:*`)).length),
    );
    assert.equal(perNode.length, 3);
    assert.ok(
      perNode.every((n) => n > 0),
      `owner keys per node: ${perNode.join(',')}`,
    );
  });

  sessionStoreContract('redis cluster', redisSessionHarness(fixture));
  retainedStoreContract('redis cluster', redisRetainedHarness(fixture));
  willStoreContract('redis cluster', redisPodsHarness(fixture));
  livenessContract('redis cluster', redisPodsHarness(fixture));
});
