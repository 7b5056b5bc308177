import { strict as assert } from 'node:assert';
import type { Liveness } from '../../../adapter/src/ports/liveness';
import { StaleEpochError, type SessionStore } from '../../../adapter/src/ports/session-store';
import type { StoredWill, WillStore } from '../../../adapter/src/ports/will-store';
import { delay } from '../helpers/wait';

/** One pod's view of the shared backend. */
export interface PodStores {
  readonly sessions: SessionStore;
  readonly wills: WillStore;
  readonly liveness: Liveness;
}

export interface WillHarness {
  /** Opens the stores of one incarnation (a pod name, or `<pod>/<start id>`). */
  open(incarnation: string): Promise<PodStores>;
  /** The liveness TTL the harness gave its pods. */
  readonly ttlMs: number;
  /** The stall tolerance the harness gave its pods. */
  readonly stallMs: number;
  /** The process of these stores dies: their connections to the backend close, as a kernel closes a killed process's. */
  kill(pod: PodStores): Promise<void>;
  closeAll(): Promise<void>;
}

export const will = (topic: string, delaySeconds = 0): StoredWill => ({
  topic,
  payload: Buffer.from([0, 0xff, 7]),
  qos: 1,
  retain: true,
  delaySeconds,
  props: {
    contentType: 'text/plain',
    messageExpiryInterval: 60,
    correlationData: Buffer.from([1, 2, 0xff]),
    userProperties: { a: 'b', c: ['d', 'e'] },
  },
});

let seq = 0;
/** A client id unique to this process and test. */
export const newClient = (): string => `will-${process.pid}-${++seq}`;

/** Claims a client id on a pod and follows the CONNECT protocol of ports/will-store.ts. */
export async function connect(
  pod: PodStores,
  podName: string,
  clientId: string,
  w?: StoredWill,
): Promise<number> {
  const { epoch } = await pod.sessions.claim(
    clientId,
    { pod: podName, connection: `${clientId}@${podName}` },
    false,
  );
  await pod.wills.supersede(clientId, epoch);
  if (w) await pod.wills.put(clientId, epoch, w);
  return epoch;
}

/** The WillStore behaviour every implementation shares. */
export function willStoreContract(name: string, harness: () => WillHarness): void {
  describe(`WillStore contract: ${name}`, () => {
    let h: WillHarness;
    let a: PodStores;
    let b: PodStores;
    beforeEach(async () => {
      h = harness();
      a = await h.open('pod-a');
      b = await h.open('pod-b');
    });
    afterEach(() => h.closeAll());

    it('hands a stored will out once, bytes and properties intact', async () => {
      const id = newClient();
      const epoch = await connect(a, 'pod-a', id, will('w/1'));
      assert.deepEqual(await a.wills.take(id, epoch), will('w/1'));
      assert.equal(await a.wills.take(id, epoch), undefined);
    });

    it('refuses a will under a stale epoch (fencing)', async () => {
      const id = newClient();
      const stale = await connect(a, 'pod-a', id);
      const current = await connect(b, 'pod-b', id, will('new'));
      await assert.rejects(a.wills.put(id, stale, will('old')), StaleEpochError);
      assert.deepEqual(await b.wills.take(id, current), will('new'));
    });

    it('drops the will on a normal DISCONNECT [MQTT-3.1.2-10]', async () => {
      const id = newClient();
      const epoch = await connect(a, 'pod-a', id, will('bye'));
      await a.wills.remove(id, epoch);
      assert.equal(await a.wills.take(id, epoch), undefined);
    });

    it('ignores remove and take under another epoch', async () => {
      const id = newClient();
      const epoch = await connect(a, 'pod-a', id, will('keep'));
      await a.wills.remove(id, epoch - 1);
      assert.equal(await a.wills.take(id, epoch - 1), undefined);
      assert.deepEqual(await a.wills.take(id, epoch), will('keep'));
    });

    it('a scheduled will is due after its delay, to one caller', async () => {
      const id = newClient();
      const epoch = await connect(a, 'pod-a', id, will('later', 1));
      await a.wills.schedule(id, epoch, 300);
      assert.deepEqual(await b.wills.claimDue(), []);
      await delay(400);
      assert.deepEqual(await b.wills.claimDue(), [{ clientId: id, will: will('later', 1) }]);
      assert.deepEqual(await a.wills.claimDue(), []);
    });

    it('a reconnect before the delay has passed gets the scheduled will to cancel [MQTT-3.1.3-9]', async () => {
      const id = newClient();
      const first = await a.sessions.claim(id, { pod: 'pod-a', connection: '1' }, false);
      await a.wills.supersede(id, first.epoch);
      await a.wills.put(id, first.epoch, will('delayed', 1));
      await a.wills.schedule(id, first.epoch, 200);
      const second = await b.sessions.claim(id, { pod: 'pod-b', connection: '2' }, false);
      assert.deepEqual(await b.wills.supersede(id, second.epoch), {
        will: will('delayed', 1),
        scheduled: true,
      });
      await delay(300);
      assert.deepEqual(await b.wills.claimDue(), []);
    });

    it('a takeover gets the will of the connection still open, unscheduled', async () => {
      const id = newClient();
      await connect(a, 'pod-a', id, will('live'));
      const second = await b.sessions.claim(id, { pod: 'pod-b', connection: '2' }, false);
      assert.deepEqual(await b.wills.supersede(id, second.epoch), { will: will('live'), scheduled: false });
      assert.equal(await b.wills.supersede(id, second.epoch), undefined, 'handed out once');
    });

    it('supersede leaves the will of its own epoch alone', async () => {
      const id = newClient();
      const epoch = await connect(a, 'pod-a', id, will('mine'));
      assert.equal(await a.wills.supersede(id, epoch), undefined);
      assert.deepEqual(await a.wills.take(id, epoch), will('mine'));
    });

    it('competing claimDue callers share the due wills without overlap', async () => {
      const ids = Array.from({ length: 30 }, newClient);
      for (const id of ids) {
        const epoch = await connect(a, 'pod-a', id, will(`due/${id}`));
        await a.wills.schedule(id, epoch, 0);
      }
      await delay(20);
      const [x, y] = await Promise.all([a.wills.claimDue(100), b.wills.claimDue(100)]);
      const got = [...x, ...y].map((w) => w.clientId);
      assert.equal(new Set(got).size, got.length, 'no will handed out twice');
      assert.deepEqual([...got].sort(), [...ids].sort());
      for (const w of [...x, ...y]) assert.equal(w.will.topic, `due/${w.clientId}`);
    });
  });
}
