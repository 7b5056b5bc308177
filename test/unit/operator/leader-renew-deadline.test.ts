import { strict as assert } from 'node:assert';
import pino from 'pino';
import { LeaderElector } from '../../../operator/src/leader/elector';
import { stallingLeaseApi } from './stalling-lease-api';

const RENEW_DEADLINE_MS = 100;
const RETRY_PERIOD_MS = 20;

/*
 * A leader steps down once it could not renew for its renew deadline, before
 * its Lease expires and a standby may take over. A renewal whose request the
 * API server does not answer must count as failed at that deadline: waited
 * for, the leader went on reconciling beside the new one for up to the REST
 * client's timeout of each of its two requests.
 */
describe('leader election: a renewal the API server does not answer', () => {
  it('ends the leadership at the renew deadline', async () => {
    const { rest, stall } = stallingLeaseApi();
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
      await elector.stop(RENEW_DEADLINE_MS);
    }
  });
});
