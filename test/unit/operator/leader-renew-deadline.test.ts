import { strict as assert } from 'node:assert';
import pino from 'pino';
import type { RestClient } from '../../../operator/src/kube/rest-client';
import { LeaderElector } from '../../../operator/src/leader/elector';
import type { Lease } from '../../../operator/src/leader/lease-decision';

const RENEW_DEADLINE_MS = 100;
const RETRY_PERIOD_MS = 20;

/** An API server that answers until told to stop, then answers nothing (a request the REST client's 30 s would end). */
function apiServer(): { rest: RestClient; stall: () => void } {
  let lease: Lease | null = null;
  let stalled = false;
  const answer = <T>(value: () => T): Promise<T> =>
    stalled ? new Promise<T>(() => undefined) : Promise.resolve(value());
  const rest = {
    getOrNull: () => answer(() => lease),
    get: () => answer(() => lease),
    create: (_path: string, body: Lease) => answer(() => (lease = body)),
    replace: (_path: string, body: Lease) => answer(() => (lease = body)),
  };
  return { rest: rest as unknown as RestClient, stall: () => (stalled = true) };
}

/*
 * A leader steps down once it could not renew for its renew deadline, before
 * its Lease expires and a standby may take over. A renewal whose request the
 * API server does not answer must count as failed at that deadline: waited
 * for, the leader went on reconciling beside the new one for up to the REST
 * client's timeout of each of its two requests.
 */
describe('leader election: a renewal the API server does not answer', () => {
  it('ends the leadership at the renew deadline', async () => {
    const { rest, stall } = apiServer();
    let started = 0;
    let stoppedAt: number | undefined;
    const elector = new LeaderElector(
      rest,
      {
        namespace: 'ns',
        name: 'lease',
        identity: 'me',
        leaseDurationSeconds: 1,
        renewDeadlineMs: RENEW_DEADLINE_MS,
        retryPeriodMs: RETRY_PERIOD_MS,
      },
      pino({ level: 'silent' }),
      {
        onStartedLeading: () => started++,
        onStoppedLeading: () => (stoppedAt = Date.now()),
      },
    );
    elector.start();
    try {
      while (started === 0) await new Promise((r) => setTimeout(r, 5));
      const stalledAt = Date.now();
      stall();
      while (stoppedAt === undefined && Date.now() - stalledAt < 1000)
        await new Promise((r) => setTimeout(r, 5));
      assert.ok(stoppedAt !== undefined, 'stepped down');
      const after = stoppedAt - stalledAt;
      assert.ok(
        after <= RENEW_DEADLINE_MS + 2 * RETRY_PERIOD_MS + 50,
        `stepped down ${after} ms after the stall`,
      );
      assert.equal(elector.isLeader, false);
    } finally {
      // Not awaited: a leader's stop asks the stalled API server to free the Lease.
      void elector.stop();
    }
  });
});
