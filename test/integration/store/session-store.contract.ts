import { strict as assert } from 'node:assert';
import {
  StaleEpochError,
  type OwnerRef,
  type SessionState,
  type SessionStore,
} from '../../../adapter/src/ports/session-store';
import { eventually } from './eventually';

/** Opens stores that share one backend; each call may name a different pod. */
export interface SessionStoreHarness {
  open(podName: string): Promise<SessionStore>;
}

const state = (expirySeconds = 3600, filters: string[] = ['a/+']): SessionState => ({
  protocolVersion: 5,
  expirySeconds,
  subscriptions: filters.map((filter, i) => ({ filter, qos: (i % 3) as 0 | 1 | 2 })),
});

/** The behaviour every SessionStore shares, run against each implementation. */
export function sessionStoreContract(name: string, harness: () => SessionStoreHarness): void {
  describe(`SessionStore contract: ${name}`, () => {
    let h: SessionStoreHarness;
    let opened: SessionStore[] = [];
    let seq = 0;
    const client = (): string => `client-${process.pid}-${++seq}`;
    const open = async (pod: string): Promise<SessionStore> => {
      const s = await h.open(pod);
      opened.push(s);
      return s;
    };
    const podA: OwnerRef = { pod: 'pod-a', connection: 'conn-1' };
    const podB: OwnerRef = { pod: 'pod-b', connection: 'conn-2' };

    beforeEach(() => {
      h = harness();
      opened = [];
    });
    afterEach(async () => {
      await Promise.all(opened.map((s) => s.close()));
    });

    it('a first claim has no previous owner and no session', async () => {
      const store = await open('pod-a');
      const claim = await store.claim(client(), podA, false);
      assert.equal(typeof claim.epoch, 'number');
      assert.equal(claim.previous, undefined);
      assert.equal(claim.session, undefined);
    });

    it('epochs increase with every claim of a client id', async () => {
      const store = await open('pod-a');
      const id = client();
      const epochs: number[] = [];
      for (let i = 0; i < 5; i++) epochs.push((await store.claim(id, podA, i % 2 === 0)).epoch);
      for (let i = 1; i < epochs.length; i++)
        assert.ok(epochs[i] > epochs[i - 1], `epochs ${epochs.join(',')}`);
    });

    it('a claim returns the owner it displaces [MQTT-3.1.4-2]', async () => {
      const store = await open('pod-a');
      const id = client();
      await store.claim(id, podA, false);
      const second = await store.claim(id, podB, false);
      assert.deepEqual(second.previous, podA);
      const third = await store.claim(id, podA, true);
      assert.deepEqual(third.previous, podB);
    });

    it('a released client id has no previous owner', async () => {
      const store = await open('pod-a');
      const id = client();
      const { epoch } = await store.claim(id, podA, false);
      await store.release(id, epoch);
      assert.equal((await store.claim(id, podB, false)).previous, undefined);
    });

    it('resuming without clean start returns the saved session (session present) [MQTT-3.2.2-2]', async () => {
      const a = await open('pod-a');
      const b = await open('pod-b');
      const id = client();
      const { epoch } = await a.claim(id, podA, false);
      await a.save(id, epoch, state(3600, ['x/y', 'a/#', '$SYS/+']));
      await a.release(id, epoch);
      const resumed = await b.claim(id, podB, false);
      assert.deepEqual(resumed.session, state(3600, ['x/y', 'a/#', '$SYS/+']));
    });

    it('a released session lives for its expiry and no longer; expiry 0 ends it at the release [MQTT-3.1.2-23]', async function () {
      this.timeout(5000);
      const a = await open('pod-a');
      const b = await open('pod-b');
      const [early, late, none] = [client(), client(), client()];
      for (const [id, expiry] of [
        [early, 1],
        [late, 1],
        [none, 0],
      ] as const) {
        const { epoch } = await a.claim(id, podA, false);
        await a.save(id, epoch, state(expiry, ['x/y']));
        await a.release(id, epoch);
      }
      assert.equal((await b.claim(none, podB, false)).session, undefined, 'expiry 0');
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual((await b.claim(early, podB, false)).session, state(1, ['x/y']), 'within its expiry');
      await new Promise((r) => setTimeout(r, 900));
      assert.equal((await b.claim(late, podB, false)).session, undefined, 'past its expiry');
    });

    it('a release takes the expiry the state names then, shorter or longer than the CONNECT gave [MQTT-3.14.2-2]', async function () {
      this.timeout(5000);
      const a = await open('pod-a');
      const b = await open('pod-b');
      const [shortened, lengthened] = [client(), client()];
      for (const [id, before, after] of [
        [shortened, 3600, 1],
        [lengthened, 1, 3],
      ] as const) {
        const { epoch } = await a.claim(id, podA, false);
        await a.save(id, epoch, state(before));
        await a.save(id, epoch, state(after));
        await a.release(id, epoch);
      }
      await new Promise((r) => setTimeout(r, 1300));
      assert.equal((await b.claim(shortened, podB, false)).session, undefined, 'shortened to 1 s');
      assert.deepEqual((await b.claim(lengthened, podB, false)).session, state(3), 'lengthened to 3 s');
    });

    it('a late save after the release lands, but keeps the deadline the release set', async function () {
      this.timeout(5000);
      const a = await open('pod-a');
      const id = client();
      const { epoch } = await a.claim(id, podA, false);
      await a.save(id, epoch, state(1));
      await a.release(id, epoch);
      await new Promise((r) => setTimeout(r, 600));
      await a.save(id, epoch, state(1, ['late/+']));
      await new Promise((r) => setTimeout(r, 600));
      assert.equal((await a.claim(id, podB, false)).session, undefined, 'ended 1 s after the release');
    });

    it('hands each session that expired unclaimed to one caller, with its vhost, and fences its last owner', async function () {
      this.timeout(5000);
      const a = await open('pod-a');
      const b = await open('pod-b');
      const [expiring, resumed, ended] = [client(), client(), client()];
      const epochs = new Map<string, number>();
      for (const id of [expiring, resumed, ended]) {
        const { epoch } = await a.claim(id, podA, false);
        epochs.set(id, epoch);
        await a.save(id, epoch, { ...state(1), vhost: 'tenant' });
        await a.release(id, epoch);
      }
      const mine = (list: { clientId: string }[]): string[] =>
        list.map((e) => e.clientId).filter((c) => [expiring, resumed, ended].includes(c));
      assert.deepEqual(mine(await a.claimExpired()), [], 'none before its deadline');
      const { epoch: again } = await b.claim(resumed, podB, false);
      await b.discard(ended, (await b.claim(ended, podB, true)).epoch);
      await new Promise((r) => setTimeout(r, 1200));
      const [x, y] = await Promise.all([a.claimExpired(), b.claimExpired()]);
      const handed = [...x, ...y].filter((e) => e.clientId === expiring);
      assert.deepEqual(handed, [{ clientId: expiring, vhost: 'tenant' }], 'exactly once');
      assert.deepEqual(mine([...x, ...y]), [expiring], 'a claimed or discarded session is not ended');
      assert.deepEqual(mine(await a.claimExpired()), [], 'and never again');
      assert.equal((await b.claim(expiring, podB, false)).session, undefined);
      await assert.rejects(a.save(expiring, epochs.get(expiring)!, state(1)), StaleEpochError);
      await b.save(resumed, again, state(1));
    });

    it('keeps subscription options and QoS 2 state across replicas [MQTT-4.4.0-1]', async () => {
      const a = await open('pod-a');
      const b = await open('pod-b');
      const id = client();
      const full: SessionState = {
        protocolVersion: 5,
        expirySeconds: 600,
        subscriptions: [
          { filter: 'opts/#', qos: 2, noLocal: true, retainAsPublished: true, subscriptionId: 42 },
          { filter: 'plain/+', qos: 0 },
        ],
        inboundQos2: [1, 7, 65535],
        outboundPubrel: [3],
      };
      const { epoch } = await a.claim(id, podA, false);
      await a.save(id, epoch, full);
      await a.release(id, epoch);
      assert.deepEqual((await b.claim(id, podB, false)).session, full);
    });

    it('keeps inbound QoS 2 records across replicas, each written and removed on its own', async () => {
      const a = await open('pod-a');
      const b = await open('pod-b');
      const id = client();
      const { epoch } = await a.claim(id, podA, false);
      await a.save(id, epoch, state());
      await a.recordInboundQos2(id, epoch, 1, { token: 't.1', state: 'pending' });
      await a.recordInboundQos2(id, epoch, 2, { token: 't.2', state: 'pending' });
      await a.recordInboundQos2(id, epoch, 2, { token: 't.2', state: 'received' });
      await a.recordInboundQos2(id, epoch, 65535, { token: 't.3', state: 'received' });
      await a.recordInboundQos2(id, epoch, 65535, undefined);
      await a.release(id, epoch);
      const claim = await b.claim(id, podB, false);
      const byId = [...(claim.inboundQos2 ?? [])].sort((x, y) => x.id - y.id);
      assert.deepEqual(byId, [
        { id: 1, token: 't.1', state: 'pending' },
        { id: 2, token: 't.2', state: 'received' },
      ]);
      await b.discard(id, claim.epoch);
    });

    it('refuses a QoS 2 record under a stale epoch; clean start and discard drop the records', async () => {
      const a = await open('pod-a');
      const id = client();
      const old = await a.claim(id, podA, false);
      await a.save(id, old.epoch, state());
      await a.recordInboundQos2(id, old.epoch, 1, { token: 't', state: 'pending' });
      const current = await a.claim(id, podB, false);
      await assert.rejects(
        a.recordInboundQos2(id, old.epoch, 2, { token: 't', state: 'pending' }),
        StaleEpochError,
      );
      assert.deepEqual(current.inboundQos2, [{ id: 1, token: 't', state: 'pending' }]);
      const clean = await a.claim(id, podA, true);
      assert.deepEqual(clean.inboundQos2 ?? [], []);
      await a.save(id, clean.epoch, state());
      await a.recordInboundQos2(id, clean.epoch, 3, { token: 'u', state: 'received' });
      await a.discard(id, clean.epoch);
      const after = await a.claim(id, podA, false);
      assert.deepEqual(after.inboundQos2 ?? [], []);
      await a.discard(id, after.epoch);
    });

    it('clean start discards the stored session [MQTT-3.1.2-4]', async () => {
      const store = await open('pod-a');
      const id = client();
      const { epoch } = await store.claim(id, podA, false);
      await store.save(id, epoch, state());
      await store.release(id, epoch);
      assert.equal((await store.claim(id, podB, true)).session, undefined);
      assert.equal(
        (await store.claim(id, podA, false)).session,
        undefined,
        'the discarded session stays gone',
      );
    });

    it('a later save replaces the session', async () => {
      const store = await open('pod-a');
      const id = client();
      const { epoch } = await store.claim(id, podA, false);
      await store.save(id, epoch, state(60, ['one']));
      await store.save(id, epoch, state(120, ['two', 'three']));
      assert.deepEqual((await store.claim(id, podA, false)).session, state(120, ['two', 'three']));
    });

    it('a save under a stale epoch is refused and leaves the new owner state (fencing)', async () => {
      const a = await open('pod-a');
      const b = await open('pod-b');
      const id = client();
      const old = await a.claim(id, podA, false);
      const current = await b.claim(id, podB, false);
      await b.save(id, current.epoch, state(10, ['new']));
      // The async wrapper also catches a synchronous throw; the next test checks the promise itself.
      await assert.rejects(async () => a.save(id, old.epoch, state(10, ['old'])), StaleEpochError);
      assert.deepEqual((await b.claim(id, podB, false)).session, state(10, ['new']));
    });

    it('a stale save fails as a rejected promise, not a synchronous throw', async function () {
      const store = await open('pod-a');
      const id = client();
      const old = await store.claim(id, podA, false);
      await store.claim(id, podB, false);
      let pending: Promise<void> | undefined;
      assert.doesNotThrow(() => {
        pending = store.save(id, old.epoch, state());
      });
      await assert.rejects(pending!, StaleEpochError);
    });

    it('a release under a stale epoch leaves the new owner in place', async () => {
      const a = await open('pod-a');
      const b = await open('pod-b');
      const id = client();
      const old = await a.claim(id, podA, false);
      const current = await b.claim(id, podB, false);
      await a.release(id, old.epoch);
      await b.save(id, current.epoch, state());
      assert.deepEqual((await a.claim(id, podA, false)).previous, podB);
    });

    it('a discard under a stale epoch keeps the session', async () => {
      const a = await open('pod-a');
      const b = await open('pod-b');
      const id = client();
      const old = await a.claim(id, podA, false);
      const current = await b.claim(id, podB, false);
      await b.save(id, current.epoch, state(30, ['kept']));
      await a.discard(id, old.epoch);
      const next = await a.claim(id, podA, false);
      assert.deepEqual(next.previous, podB);
      assert.deepEqual(next.session, state(30, ['kept']));
    });

    it('abandoning a claim releases it only while that connection owns the client id', async () => {
      const a = await open('pod-a');
      const b = await open('pod-b');
      const id = client();
      const first = await a.claim(id, podA, false);
      await a.save(id, first.epoch, state(30, ['kept']));
      await a.abandon(id, podA);
      const second = await b.claim(id, podB, false);
      assert.equal(second.previous, undefined, 'abandoned: no owner left');
      assert.deepEqual(second.session, state(30, ['kept']), 'the session stays, as after a release');
      await a.abandon(id, podA);
      assert.deepEqual((await a.claim(id, podA, false)).previous, podB, 'another owner is left in place');
    });

    it('a discard forgets the session and the ownership', async () => {
      const store = await open('pod-a');
      const id = client();
      const { epoch } = await store.claim(id, podA, false);
      await store.save(id, epoch, state());
      await store.discard(id, epoch);
      const next = await store.claim(id, podB, false);
      assert.equal(next.previous, undefined);
      assert.equal(next.session, undefined);
    });

    it('a stale owner stays fenced after the session was discarded and claimed again', async function () {
      const a = await open('pod-a');
      const b = await open('pod-b');
      const id = client();
      const stale = await a.claim(id, podA, false);
      const taker = await b.claim(id, podB, false);
      await b.discard(id, taker.epoch);
      const fresh = await b.claim(id, podB, false);
      assert.ok(fresh.epoch > taker.epoch, 'epochs keep increasing across a discard');
      await assert.rejects(a.save(id, stale.epoch, state()), StaleEpochError);
    });

    it('the displaced owner hears of the takeover, once [MQTT-3.1.4-2]', async () => {
      const a = await open('pod-a');
      const b = await open('pod-b');
      const heard: [string, OwnerRef][] = [];
      a.onTakeover((clientId, owner) => heard.push([clientId, owner]));
      const id = client();
      await a.claim(id, podA, false);
      await b.claim(id, podB, false);
      await eventually(() => assert.deepEqual(heard, [[id, podA]]));
      // A second unrelated client is not announced: only displacements are.
      await a.claim(client(), podA, false);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(heard.length, 1);
    });

    it('client ids are independent', async () => {
      const store = await open('pod-a');
      const one = client();
      const two = client();
      const e1 = await store.claim(one, podA, false);
      await store.save(one, e1.epoch, state(5, ['one']));
      const c2 = await store.claim(two, podB, false);
      assert.equal(c2.previous, undefined);
      assert.equal(c2.session, undefined);
    });
  });
}
