import { strict as assert } from 'node:assert';
import type { OrphanWill } from '../../../adapter/src/ports/will-store';
import { connect, newClient, will, type PodStores, type WillHarness } from './will-store.contract';
import { delay } from '../helpers/wait';

/** The Liveness behaviour every implementation shares. */
export function livenessContract(name: string, harness: () => WillHarness): void {
  describe(`Liveness contract: ${name}`, () => {
    let h: WillHarness;
    let pods: Record<'a' | 'b' | 'c', PodStores>;
    beforeEach(async () => {
      h = harness();
      pods = { a: await h.open('pod-a'), b: await h.open('pod-b'), c: await h.open('pod-c') };
      await Promise.all(Object.values(pods).map((p) => p.liveness.refresh()));
    });
    afterEach(() => h.closeAll());

    const ids = (wills: OrphanWill[]): string[] => wills.map((w) => w.clientId).sort();
    /** Waits `ms` while b and c keep their liveness fresh. */
    const othersLive = async (ms: number): Promise<void> => {
      for (let waited = 0; waited <= ms; waited += h.ttlMs / 3) {
        await Promise.all([pods.b.liveness.refresh(), pods.c.liveness.refresh()]);
        await delay(h.ttlMs / 3);
      }
      await Promise.all([pods.b.liveness.refresh(), pods.c.liveness.refresh()]);
    };
    /** Pod-a's process dies (its connections close) and its liveness runs out while b and c keep theirs. */
    const killA = async (): Promise<void> => {
      await h.kill(pods.a);
      await othersLive(h.ttlMs);
    };

    it('leaves the wills of a live pod alone', async () => {
      const id = newClient();
      const epoch = await connect(pods.a, 'pod-a', id, will('alive'));
      assert.deepEqual(await pods.b.liveness.claimDeadPods(), []);
      assert.deepEqual(await pods.a.wills.take(id, epoch), will('alive'));
    });

    it('hands the wills of a dead pod to exactly one of two competing sweepers', async () => {
      const clients = Array.from({ length: 12 }, newClient);
      for (const id of clients) await connect(pods.a, 'pod-a', id, will(`dead/${id}`));
      await killA();
      const [fromB, fromC] = await Promise.all([
        pods.b.liveness.claimDeadPods(),
        pods.c.liveness.claimDeadPods(),
      ]);
      const all = [...fromB, ...fromC];
      assert.equal(new Set(all.map((w) => w.clientId)).size, all.length, 'no will handed out twice');
      assert.deepEqual(ids(all), [...clients].sort());
      for (const w of all) assert.deepEqual(w.will, will(`dead/${w.clientId}`));
      assert.deepEqual(await pods.b.liveness.claimDeadPods(), [], 'and only once');
    });

    it("schedules a dead pod's wills that have a delay [MQTT-3.1.3-9]", async () => {
      const id = newClient();
      await connect(pods.a, 'pod-a', id, will('delayed', 1));
      await killA();
      assert.deepEqual(await pods.b.liveness.claimDeadPods(), []);
      assert.deepEqual(await pods.b.wills.claimDue(), []);
      await delay(1100);
      assert.deepEqual(await pods.c.wills.claimDue(), [{ clientId: id, will: will('delayed', 1) }]);
    });

    it('skips wills already scheduled by their own pod before it died', async () => {
      const id = newClient();
      const epoch = await connect(pods.a, 'pod-a', id, will('scheduled'));
      await pods.a.wills.schedule(id, epoch, 0);
      await killA();
      assert.deepEqual(await pods.b.liveness.claimDeadPods(), []);
      assert.deepEqual(ids(await pods.b.wills.claimDue()), [id]);
    });

    it('leaves a stalled pod (connections open) its clients while it is silent for less than TTL + stall tolerance', async () => {
      const id = newClient();
      const epoch = await connect(pods.a, 'pod-a', id, will('stalled'));
      await othersLive(h.ttlMs * 2);
      assert.deepEqual(await pods.b.liveness.claimDeadPods(), [], 'silent past the TTL, but connected');
      await pods.a.liveness.refresh();
      // Past TTL + stall tolerance since the stall began, but it refreshed in between.
      await othersLive(h.stallMs);
      assert.deepEqual(await pods.b.liveness.claimDeadPods(), []);
      assert.deepEqual(await pods.a.wills.take(id, epoch), will('stalled'));
    });

    it('takes a pod silent for longer than TTL + stall tolerance for dead, connections open or not', async () => {
      const id = newClient();
      await connect(pods.a, 'pod-a', id, will('frozen'));
      await othersLive(h.ttlMs + h.stallMs + 50);
      assert.deepEqual(ids(await pods.b.liveness.claimDeadPods()), [id]);
      assert.deepEqual(await pods.c.liveness.claimDeadPods(), [], 'and only once');
    });

    it('lets a new incarnation of a pod sweep its predecessor once that one has no connections left, before its liveness runs out', async () => {
      const first = await h.open('pod-d/1');
      await first.liveness.refresh();
      const id = newClient();
      await connect(first, 'pod-d/1', id, will('restarted'));
      const second = await h.open('pod-d/2');
      await second.liveness.refresh();
      assert.deepEqual(
        await second.liveness.claimDeadPods('predecessors'),
        [],
        'the predecessor is connected',
      );
      await h.kill(first);
      assert.deepEqual(await pods.b.liveness.claimDeadPods(), [], 'to other pods it is fresh');
      assert.deepEqual(await pods.b.liveness.claimDeadPods('predecessors'), [], 'and not their predecessor');
      assert.deepEqual(ids(await second.liveness.claimDeadPods('predecessors')), [id]);
      assert.deepEqual(await second.liveness.claimDeadPods(), [], 'and only once');
    });

    it('never lets a new incarnation keep its predecessor alive', async () => {
      const first = await h.open('pod-e/1');
      await first.liveness.refresh();
      const id = newClient();
      await connect(first, 'pod-e/1', id, will('replaced'));
      await h.kill(first);
      const second = await h.open('pod-e/2');
      for (let waited = 0; waited <= h.ttlMs; waited += h.ttlMs / 3) {
        await second.liveness.refresh();
        await othersLive(0);
      }
      assert.deepEqual(ids(await pods.b.liveness.claimDeadPods()), [id]);
    });

    it('a pod does not sweep itself, and a stopped pod is not swept', async () => {
      const id = newClient();
      const epoch = await connect(pods.b, 'pod-b', id, will('b'));
      await delay(h.ttlMs * 1.5);
      assert.deepEqual(await pods.b.liveness.claimDeadPods(), []);
      await pods.b.liveness.stop();
      await pods.c.liveness.refresh();
      assert.deepEqual(await pods.c.liveness.claimDeadPods(), []);
      assert.deepEqual(await pods.b.wills.take(id, epoch), will('b'));
    });
  });
}
