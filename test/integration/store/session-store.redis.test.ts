import { strict as assert } from 'node:assert';
import { RedisSessionStore } from '../../../adapter/src/store/redis/redis-session-store';
import { EXPIRY_GRACE_MS } from '../../../adapter/src/store/redis/release-lua';
import { sessionStoreContract } from './session-store.contract';
import { RedisFixture } from './redis-fixture';
import { redisSessionHarness } from './redis-harnesses';

describe('RedisSessionStore', () => {
  const redis = new RedisFixture();
  after(() => redis.close());
  afterEach(() => redis.cleanup());

  sessionStoreContract(
    'redis',
    redisSessionHarness(() => redis),
  );

  describe('Redis specifics', () => {
    const owner = { pod: 'pod-x', connection: 'c' };
    const state = (expirySeconds: number) => ({ protocolVersion: 4, expirySeconds, subscriptions: [] });
    let store: RedisSessionStore;
    beforeEach(async () => {
      store = new RedisSessionStore(redis.client, { podName: 'pod-x', keys: redis.keys });
      await store.ready;
    });
    afterEach(() => store.close());

    it('an owned session never expires; a released one expires after its session expiry', async () => {
      const { epoch } = await store.claim('ttl', owner, false);
      await store.save('ttl', epoch, state(120));
      assert.equal(await redis.client.pttl(redis.keys.session('ttl')), -1);
      await store.recordInboundQos2('ttl', epoch, 1, { token: 't', state: 'pending' });
      assert.equal(await redis.client.pttl(redis.keys.inboundQos2('ttl')), -1);
      await store.release('ttl', epoch);
      // The deadline is the owner's `expires`; the keys outlive it by the grace the sweeper has to end it.
      const deadline = Number(await redis.client.hget(redis.keys.owner('ttl'), 'expires'));
      const left = deadline - Date.now();
      assert.ok(left > 110_000 && left <= 121_000, `deadline in ${left} ms`);
      for (const key of [redis.keys.session('ttl'), redis.keys.inboundQos2('ttl')]) {
        const ttl = await redis.client.pttl(key);
        assert.ok(
          ttl > 110_000 + EXPIRY_GRACE_MS && ttl <= 120_000 + EXPIRY_GRACE_MS,
          `ttl of ${key}: ${ttl}`,
        );
      }
      await store.recordInboundQos2('ttl', epoch, 2, { token: 't', state: 'received' });
      const late = await redis.client.pttl(redis.keys.inboundQos2('ttl'));
      assert.ok(
        late > 110_000 + EXPIRY_GRACE_MS,
        `a record written after the release expires with the session: ${late}`,
      );
      assert.equal(
        Number(await redis.client.hget(redis.keys.owner('ttl'), 'expires')),
        deadline,
        'the deadline kept',
      );
      await store.claim('ttl', owner, false);
      for (const key of [redis.keys.session('ttl'), redis.keys.inboundQos2('ttl')])
        assert.equal(await redis.client.pttl(key), -1, `a resumed session is persistent again: ${key}`);
    });

    it('a session with expiry 0 ends when released [MQTT-3.1.2-23]', async () => {
      const { epoch } = await store.claim('zero', owner, false);
      await store.save('zero', epoch, state(0));
      await store.recordInboundQos2('zero', epoch, 1, { token: 't', state: 'pending' });
      await store.release('zero', epoch);
      assert.equal(await redis.client.exists(redis.keys.session('zero'), redis.keys.inboundQos2('zero')), 0);
    });

    it('leaves a session in the expiry index only while it has a deadline to keep', async () => {
      const index = redis.keys.sessionsExpiring();
      const kept = await store.claim('kept', owner, false);
      await store.save('kept', kept.epoch, state(120));
      await store.release('kept', kept.epoch);
      const gone = await store.claim('gone', owner, false);
      await store.save('gone', gone.epoch, state(0));
      await store.release('gone', gone.epoch);
      const clean = await store.claim('clean', owner, true);
      await store.release('clean', clean.epoch);
      const ended = await store.claim('ended', owner, false);
      await store.save('ended', ended.epoch, state(120));
      await store.release('ended', ended.epoch);
      const ender = await store.claim('ended', owner, true);
      await store.discard('ended', ender.epoch);
      assert.deepEqual(await redis.client.zrange(index, 0, -1), ['kept']);
      // The index outlives its last entry's deadline and its grace, and no more: it never stays for good.
      const ttl = await redis.client.pttl(index);
      assert.ok(ttl > 110_000 + EXPIRY_GRACE_MS && ttl <= 121_000 + EXPIRY_GRACE_MS, `index ttl ${ttl}`);
    });

    it("sends the expiry index's hint ahead of the release, each write with the TTL that covers it in one command", async () => {
      const index = redis.keys.sessionsExpiring();
      // Redis knows the scripts by their SHA after one release: a NOSCRIPT retry is no step of its own.
      for (const clientId of ['warm', 'sent']) {
        const { epoch } = await store.claim(clientId, owner, false);
        await store.save(clientId, epoch, state(120));
        if (clientId === 'warm') await store.release(clientId, epoch);
      }
      const epoch = (await store.epochOf('sent')) as number;
      const watch = await redis.watchCommands(true);
      await store.release('sent', epoch);
      // MONITOR reports a command as Redis runs it, not as the reply reaches the client.
      await new Promise((r) => setTimeout(r, 100));
      watch.stop();
      const owned = redis.keys.owner('sent');
      const steps = watch.seen
        .filter((args) => args.includes(index) || args.includes(owned))
        .map((args) => `${args[0].toLowerCase()} ${args.includes(index) ? 'index' : 'session'}`);
      // The check that the session still has that deadline comes after the settle: a discard between them is seen.
      assert.deepEqual(steps, ['eval index', 'evalsha session', 'evalsha index', 'hget session']);
      const ttl = await redis.client.pttl(index);
      assert.ok(ttl > 110_000 + EXPIRY_GRACE_MS && ttl <= 121_000 + EXPIRY_GRACE_MS, `index ttl ${ttl}`);
    });

    it('keeps all keys of a client under its hash tag and indexes it under its pod', async () => {
      const id = 'we{ird}/id%';
      const { epoch } = await store.claim(id, owner, false);
      await store.save(id, epoch, state(10));
      await store.recordInboundQos2(id, epoch, 1, { token: 't', state: 'pending' });
      const keys = (await redis.ownKeys()).filter((k) => k.includes(':client:'));
      assert.deepEqual(
        keys.sort(),
        [redis.keys.owner(id), redis.keys.session(id), redis.keys.inboundQos2(id)].sort(),
      );
      assert.deepEqual(await redis.client.smembers(redis.keys.podClients('pod-x')), [id]);
    });

    it('indexes a client under its pod while owned, and no longer once released or discarded', async () => {
      const index = redis.keys.podClients('pod-x');
      const one = await store.claim('one', owner, false);
      const two = await store.claim('two', owner, true);
      assert.deepEqual((await redis.client.smembers(index)).sort(), ['one', 'two']);
      await store.release('one', one.epoch);
      await store.discard('two', two.epoch);
      assert.deepEqual(await redis.client.smembers(index), []);
    });

    it('a stale release leaves the new owner indexed', async () => {
      const old = await store.claim('moved', owner, false);
      await store.claim('moved', { pod: 'pod-y', connection: 'd' }, false);
      await store.release('moved', old.epoch);
      assert.deepEqual(await redis.client.smembers(redis.keys.podClients('pod-y')), ['moved']);
      // Its sweeper hint is not left behind for a live session: with no replica sweeping, it would stay.
      assert.equal(await redis.client.zscore(redis.keys.sessionsExpiring(), 'moved'), null);
    });

    it('a stale release leaves the entry a newer release set at its deadline', async () => {
      const old = await store.claim('moved-on', owner, false);
      const next = await store.claim('moved-on', { pod: 'pod-y', connection: 'd' }, false);
      await store.save('moved-on', next.epoch, state(120));
      await store.release('moved-on', next.epoch);
      const index = redis.keys.sessionsExpiring();
      const deadline = await redis.client.zscore(index, 'moved-on');
      assert.ok(deadline !== null && Number(deadline) > Date.now() + 60_000, `entry at ${deadline}`);
      await store.release('moved-on', old.epoch);
      assert.equal(await redis.client.zscore(index, 'moved-on'), deadline);
    });

    it('a session a clean CONNECT discards between its release and the release settling its expiry leaves no entry', async () => {
      // Another replica's clean CONNECT runs once the release has, before the releasing replica's next step.
      let between: (() => Promise<void>) | undefined;
      const index = redis.keys.sessionsExpiring();
      const held = new Proxy(redis.client, {
        get(target, prop) {
          const v: unknown = Reflect.get(target, prop, target);
          if (typeof v !== 'function') return v;
          const fn = v as (...a: unknown[]) => unknown;
          if (prop !== 'evalsha' && prop !== 'eval') return fn.bind(target);
          return async (...a: unknown[]) => {
            const settling = a[2] === index && Number(a[4]) > Date.now() + 60_000;
            if (settling && between) {
              const run = between;
              between = undefined;
              await run();
            }
            return fn.apply(target, a);
          };
        },
      });
      const releasing = new RedisSessionStore(held, { podName: 'pod-r', keys: redis.keys });
      await releasing.ready;
      try {
        const { epoch } = await releasing.claim('raced', { pod: 'pod-r', connection: 'c' }, false);
        await releasing.save('raced', epoch, state(120));
        let discarded = false;
        between = async () => {
          const { epoch: next } = await store.claim('raced', owner, true);
          await store.discard('raced', next);
          discarded = true;
        };
        await releasing.release('raced', epoch);
        assert.ok(discarded, 'the discard ran between the release and its next step');
        assert.equal(await redis.client.zscore(index, 'raced'), null);
        assert.equal(await redis.client.exists(index), 0);
      } finally {
        await releasing.close();
      }
    });

    it('stores nothing outside its key prefix', async () => {
      const { epoch } = await store.claim('p', owner, false);
      await store.save('p', epoch, state(10));
      const keys = await redis.ownKeys();
      assert.ok(keys.length >= 3);
      assert.ok(keys.every((k) => k.startsWith(redis.keys.prefix)));
    });
  });
});
