import { strict as assert } from 'node:assert';
import { soakMustBeZero } from '../../../bench/soak/analysis';
import { SOAK_SHORT } from '../../../bench/soak/options';
import { runSoak } from '../../../bench/soak/run';

/*
 * `make soak` in short: the same driver on its own RabbitMQ node and
 * redis-server for 30 s at a tenth of the scale (500 connections, churn of 20
 * a second, 200 PUBLISH/s). Nothing acknowledged is lost, nothing is left once
 * the clients are gone, and nothing runs away while they are there.
 */
describe('soak, short form: churn and traffic on a private RabbitMQ node and Redis', function () {
  this.timeout(240_000);

  it('loses no acknowledged QoS 1 or 2 message, leaves nothing, and does not run away', async () => {
    const r = await runSoak(SOAK_SHORT);
    const o = SOAK_SHORT;
    const after = r.samples.filter((s) => s.tMs >= r.filledMs);
    assert.ok(after.length >= 3, `only ${after.length} samples after the connections opened`);
    for (const c of [...r.streams[1], ...r.streams[2]])
      assert.ok(c.acked > 100, `only ${c.acked} acknowledged`);
    assert.ok(r.population.connects > o.connections, `${r.population.connects} connects: no churn`);
    // QoS 2 exactly once too: a subscriber resuming gets an unacknowledged message under its old id.
    const zero = soakMustBeZero(r);
    const nonZero = Object.entries(zero).filter(([, v]) => v !== 0);
    assert.deepEqual(
      nonZero,
      [],
      JSON.stringify({ streams: r.streams, baseline: r.baseline, after: r.afterLeave, keys: r.newKeys }),
    );
    // No runaway: generous bounds on what a leak would grow without end.
    const first = after[0];
    const last = after[after.length - 1];
    assert.ok(
      last.adapterRss < 3 * first.adapterRss,
      `adapter RSS ${first.adapterRss} -> ${last.adapterRss}`,
    );
    for (const s of after) {
      assert.ok(s.queues <= o.connections + 20, `${s.queues} queues for ${o.connections} clients`);
      assert.ok(s.channels <= 2 * o.connections, `${s.channels} channels`);
      assert.ok(s.redisKeys <= 5 * o.connections, `${s.redisKeys} Redis keys`);
    }
    process.stdout.write(
      `      ${r.population.connects} connects, ${r.population.connectFailures} failed; ` +
        `${r.streams[1][0].acked} QoS 1 and ${r.streams[2][0].acked} QoS 2 numbered, ` +
        `${zero['QoS 2 delivered more than once']} QoS 2 doubled; adapter RSS ` +
        `${Math.round(first.adapterRss / 2 ** 20)} -> ${Math.round(last.adapterRss / 2 ** 20)} MiB\n`,
    );
  });
});
