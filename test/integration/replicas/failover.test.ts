import { strict as assert } from 'node:assert';
import { failoverMustBeZero } from '../../../bench/failover/report';
import { FAILOVER_DEFAULTS, runFailover, type FailoverResult } from '../../../bench/failover/run';
import type { Mode } from '../../../bench/failover/topology';

/*
 * `make failover` in short: two replicas on a private Redis that fails over
 * (Sentinel: master, replica, three Sentinels; Cluster: three masters with a
 * replica each) under light load, the master SIGKILLed once. No PUBACKed
 * QoS 1 message lost, every will of a killed client once and none of a live
 * one, no live client disconnected, sessions resumed with their
 * subscriptions, nothing left behind.
 */
async function failOver(mode: Mode): Promise<FailoverResult> {
  return runFailover({
    ...FAILOVER_DEFAULTS,
    mode,
    replicas: 2,
    warmupMs: 3000,
    observeMs: 5000,
    liveWills: 6,
    killedPerPhase: 2,
    connectEveryMs: 200,
    paceMs: 50,
  });
}

function check(r: FailoverResult): void {
  const w = r.refusals;
  process.stdout.write(
    `      ${r.options.mode}: promoted after ${r.promotedMs} ms; new CONNECTs refused for ${w.windowMs} ms ` +
      `(${w.refused} refused, ${w.failed} without CONNACK, of ${w.sent}); wills ${r.wills.published}/${r.wills.expected}, ` +
      `delays ${r.wills.delayMs.join('/')} ms; ${r.streams[1][0].acked} QoS 1 acknowledged\n`,
  );
  for (const c of r.streams[1]) assert.ok(c.acked > 50, `only ${c.acked} QoS 1 acknowledged`);
  assert.equal(r.wills.expected, 6);
  assert.ok(r.resumes.total >= 2, `${r.resumes.total} resumes: the dropped subscribers did not come back`);
  assert.notEqual(
    w.acceptedAgainMs === undefined && w.firstRefusedMs !== undefined,
    true,
    'CONNECTs accepted again',
  );
  const nonZero = Object.entries(failoverMustBeZero(r)).filter(([, v]) => v !== 0);
  assert.deepEqual(
    nonZero,
    [],
    JSON.stringify({ streams: r.streams, wills: r.wills, live: r.liveDisconnected, left: r.leftovers }),
  );
}

describe('replicas: Redis failover under load (private Sentinel set and Cluster)', function () {
  this.timeout(120_000);

  it('Sentinel: loses no PUBACKed message, fires each will once, disconnects no live client', async () => {
    check(await failOver('sentinel'));
  });

  it('Cluster: the same when the master serving a subscriber fails', async () => {
    check(await failOver('cluster'));
  });
});
