import { strict as assert } from 'node:assert';
import { performance } from 'node:perf_hooks';
import { JITTER, Pacer, gapMs } from '../../../adapter/src/rebalance/pacer';
import { handOffAll } from '../../../adapter/src/rebalance/hand-off-all';

/** Most steps in any half-open window of `windowMs`. */
function peak(times: number[], windowMs: number): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe('rebalance: pacing', () => {
  it('spaces steps by 1/rate at least, and by at most (1 + jitter)/rate', () => {
    assert.equal(
      gapMs(100, () => 0),
      10,
    );
    assert.equal(gapMs(100, () => 0.999999) < 10 * (1 + JITTER), true);
  });

  it('runs no more than `rate` steps in any second, by the monotonic clock', async () => {
    const times: number[] = [];
    const rate = 200;
    await new Pacer(rate).run(() => {
      times.push(performance.now());
      return times.length < 150;
    });
    assert.equal(times.length, 150);
    for (let i = 1; i < times.length; i++)
      assert.ok(times[i] - times[i - 1] >= 1000 / rate - 1e-6, `gap ${times[i] - times[i - 1]} ms`);
    assert.ok(peak(times, 500) <= rate / 2, `peak ${peak(times, 500)} in 500 ms`);
  });

  it('stops before its next step', async () => {
    const p = new Pacer(10);
    let steps = 0;
    const run = p.run(() => ++steps > 0);
    assert.equal(steps, 1, 'the first step runs at once');
    p.stop();
    await run;
    assert.equal(steps, 1);
    assert.equal(p.running, false);
  });
});

describe('rebalance: a drain hands off every connection within half its timeout', () => {
  it('paces at the rate when there is time, faster when there is not', async () => {
    const at: number[] = [];
    const conn = () => ({ shutdown: () => (at.push(performance.now()), Promise.resolve()) });
    const start = performance.now();
    await handOffAll(Array.from({ length: 20 }, conn), { drainTimeoutMs: 10_000, ratePerSecond: 200 });
    assert.equal(at.length, 20);
    const slow = performance.now() - start;
    assert.ok(slow >= 19 * 5, `${slow} ms for 20 at 200/s`);

    at.length = 0;
    const hurried = performance.now();
    // 600 connections, a 400 ms drain: 3,000/s, past what one step per timer could do.
    await handOffAll(Array.from({ length: 600 }, conn), { drainTimeoutMs: 400, ratePerSecond: 10 });
    assert.equal(at.length, 600);
    assert.ok(performance.now() - hurried < 400, `${performance.now() - hurried} ms`);
  });

  it('closes what is left at once when the sessions do not settle in time', async () => {
    let called = 0;
    const never = () => ({ shutdown: () => (called++, new Promise<void>(() => undefined)) });
    const start = performance.now();
    await handOffAll(Array.from({ length: 5 }, never), { drainTimeoutMs: 200, ratePerSecond: 1 });
    assert.ok(performance.now() - start < 400);
    assert.equal(called, 5);
  });
});
