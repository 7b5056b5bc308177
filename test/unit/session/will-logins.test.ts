import { strict as assert } from 'node:assert';
import pino from 'pino';
import { createMetrics } from '../../../adapter/src/observability/metrics';
import type { StoredWill } from '../../../adapter/src/ports/will-store';
import { WillPublisher } from '../../../adapter/src/session/will-publisher';
import { Sweeper } from '../../../adapter/src/session/sweeper';
import type { SessionReaper } from '../../../adapter/src/session/session-reaper';
import type { Liveness } from '../../../adapter/src/ports/liveness';
import type { WillStore } from '../../../adapter/src/ports/will-store';
import type { SessionStore } from '../../../adapter/src/ports/session-store';
import { SessionRig } from '../../support/session-rig';

const will: StoredWill = {
  topic: 'will/t',
  payload: Buffer.from('gone'),
  qos: 0,
  retain: false,
  delaySeconds: 60,
};
const GUEST = { vhost: '/', user: 'guest', password: 'guest' };
const DUE_MS = 60_000;
/** WillPublisher's KEEP_PAST_DUE_MS. */
const KEEP_PAST_DUE_MS = 10 * 60_000;

/*
 * A delayed will's login is kept on the replica where its connection closed.
 * When the client comes back on another replica, or another replica's sweep
 * claims the will, this one neither publishes nor cancels it: without an
 * end, the client's login (password included) stayed in memory for the
 * process's life, one per such client id.
 */
describe('will publisher: the logins of wills settled on another replica', () => {
  const value = async (c: { get(): Promise<{ values: { value: number }[] }> }): Promise<number> =>
    (await c.get()).values.reduce((s, v) => s + v.value, 0);

  function publisher(): {
    wills: WillPublisher;
    metrics: ReturnType<typeof createMetrics>;
    at: (ms: number) => void;
  } {
    const rig = new SessionRig();
    const metrics = createMetrics();
    let now = 0;
    const wills = new WillPublisher(
      rig.config,
      rig.broker,
      rig.stores.retained,
      metrics,
      pino({ level: 'silent' }),
      () => Promise.resolve(),
      () => now,
    );
    return { wills, metrics, at: (ms) => (now = ms) };
  }

  it('are kept until the will is due and a margin after it', async () => {
    const { wills, metrics, at } = publisher();
    wills.remember('c', GUEST, DUE_MS);
    at(DUE_MS + KEEP_PAST_DUE_MS);
    wills.prune();
    await wills.publish('c', will, 'delay');
    assert.equal(await value(metrics.willsPublished), 1, 'published under the login kept');
  });

  it('are dropped past that margin, at the next sweep', async () => {
    const { wills, metrics, at } = publisher();
    wills.remember('c', GUEST, DUE_MS);
    at(DUE_MS + KEEP_PAST_DUE_MS + 1);
    // A sweep that finds nothing to claim: this replica's part in the will is over.
    const nothing = (): Promise<never[]> => Promise.resolve([]);
    const sweeper = new Sweeper(
      { refresh: () => Promise.resolve(), claimDeadPods: nothing } as unknown as Liveness,
      { claimDue: nothing } as unknown as WillStore,
      wills,
      { claimExpired: nothing } as unknown as SessionStore,
      { prune: () => undefined } as unknown as SessionReaper,
      1000,
      1000,
      pino({ level: 'silent' }),
    );
    await sweeper.sweep();
    // No will user nor default user is set: without the client's login there is none to publish with.
    await wills.publish('c', will, 'delay');
    assert.equal(await value(metrics.willsPublished), 0, 'the login was not kept');
    assert.equal(await value(metrics.willsFailed), 1);
  });
});
