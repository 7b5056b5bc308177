import { strict as assert } from 'node:assert';
import { EXPIRY_GRACE_MS } from '../../../adapter/src/store/redis/release-lua';
import { eventually } from './eventually';
import { livenessContract } from './liveness.contract';
import { RedisFixture } from './redis-fixture';
import { redisPodsHarness } from './redis-harnesses';
import { RedisWillStore } from '../../../adapter/src/store/redis/redis-will-store';
import { connect, newClient, will, willStoreContract, type WillHarness } from './will-store.contract';
import { delay } from '../helpers/wait';

describe('Redis wills and liveness', () => {
  const redis = new RedisFixture();
  after(() => redis.close());
  afterEach(() => redis.cleanup());

  const redisPods = redisPodsHarness(() => redis);

  willStoreContract('redis', redisPods);
  livenessContract('redis', redisPods);

  describe('Redis specifics', () => {
    let h: WillHarness;
    beforeEach(() => {
      h = redisPods();
    });
    afterEach(() => h.closeAll());

    it('a pod paused past the stall tolerance has its sessions released, fenced, and its connections told to close', async () => {
      const a = await h.open('pod-a');
      const b = await h.open('pod-b');
      const heard: string[] = [];
      a.sessions.onTakeover((clientId) => heard.push(clientId));
      await a.liveness.refresh();
      const id = newClient();
      const epoch = await connect(a, 'pod-a', id);
      await a.sessions.save(id, epoch, { protocolVersion: 5, expirySeconds: 60, subscriptions: [] });
      // Paused (its connections open) for longer than TTL + stall tolerance: dead all the same.
      await delay(h.ttlMs + h.stallMs + 50);
      await b.liveness.claimDeadPods();
      await eventually(() => assert.deepEqual(heard, [id]));
      // The deadline is the session expiry; its keys outlive it by the grace the sweeper has to end it.
      const left = Number(await redis.client.hget(redis.keys.owner(id), 'expires')) - Date.now();
      assert.ok(left > 50_000 && left <= 60_000, `deadline in ${left} ms`);
      const ttl = await redis.client.pttl(redis.keys.session(id));
      assert.ok(ttl > 50_000 + EXPIRY_GRACE_MS && ttl <= 60_000 + EXPIRY_GRACE_MS, `session ttl ${ttl}`);
      await assert.rejects(
        a.sessions.save(id, epoch, { protocolVersion: 5, expirySeconds: 60, subscriptions: [] }),
      );
      const resumed = await b.sessions.claim(id, { pod: 'pod-b', connection: 'x' }, false);
      assert.equal(resumed.previous, undefined);
      assert.equal(resumed.session?.expirySeconds, 60);
      assert.equal(await redis.client.sismember(redis.keys.pods(), 'pod-a'), 0, 'the swept pod is forgotten');
      assert.equal(await redis.client.exists(redis.keys.podClients('pod-a')), 0);
      assert.equal(await redis.client.zcard(redis.keys.willsDue()), 0, 'no index entry left behind');
    });

    it('a supersede whose reply is lost hands the will out to its retry, once, and leaves nothing behind', async () => {
      const a = await h.open('pod-a');
      const id = newClient();
      await connect(a, 'pod-a', id, will('lost'));
      const { epoch } = await a.sessions.claim(id, { pod: 'pod-b', connection: '2' }, false);
      const client = redis.duplicate();
      try {
        const wills = new RedisWillStore(client, redis.keys);
        // Redis runs the script, and its reply never reaches the caller (a timeout, a dropped connection).
        const callBuffer = client.callBuffer.bind(client) as (...args: unknown[]) => Promise<unknown>;
        client.callBuffer = async (...args: unknown[]): Promise<unknown> => {
          client.callBuffer = callBuffer;
          await callBuffer(...args);
          throw new Error('Command timed out');
        };
        await assert.rejects(wills.supersede(id, epoch), /timed out/);
        assert.deepEqual(
          await wills.supersede(id, epoch),
          { will: will('lost'), scheduled: false },
          'the retry of the same epoch gets the will',
        );
        assert.equal(await wills.supersede(id, epoch), undefined, 'handed out once');
        const later = await a.sessions.claim(id, { pod: 'pod-b', connection: '3' }, false);
        assert.equal(await wills.supersede(id, later.epoch), undefined, 'nor to a later connection');
        const left = await redis.client.keys(`${redis.keys.will(id)}*`);
        assert.deepEqual(left, [], 'nothing of the will left in Redis');
      } finally {
        await client.quit();
      }
    });

    it('keeps a will in its client slot and the due index free of leftovers', async () => {
      const a = await h.open('pod-a');
      const id = newClient();
      const epoch = await connect(a, 'pod-a', id, {
        topic: 't',
        payload: Buffer.from('x'),
        qos: 0,
        retain: false,
        delaySeconds: 0,
      });
      assert.equal(await redis.client.exists(redis.keys.will(id)), 1);
      await a.wills.schedule(id, epoch, 0);
      await delay(5);
      assert.equal((await a.wills.claimDue()).length, 1);
      assert.equal(await redis.client.zcard(redis.keys.willsDue()), 0);
      assert.equal(await redis.client.exists(redis.keys.will(id)), 0);
    });
  });
});
