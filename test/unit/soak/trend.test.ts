import { strict as assert } from 'node:assert';
import { trend } from '../../../bench/soak/trend';

/** A series every 10 s for 30 minutes: `f` of the minute, plus a fixed wiggle. */
const series = (f: (minute: number) => number, wiggle = 0): { tMs: number; v: number }[] =>
  Array.from({ length: 180 }, (_, i) => ({
    tMs: i * 10_000,
    v: f(i / 6) + (i % 2 === 0 ? wiggle : -wiggle),
  }));

describe('soak trend: least squares after warm-up and the flat-within-noise verdict', () => {
  it('calls a level series with noise flat, and finds no slope in it', () => {
    const t = trend(series(() => 200, 5));
    assert.equal(t.verdict, 'flat within noise');
    assert.ok(Math.abs(t.slopePerHour) < 1, `slope ${t.slopePerHour}`);
    assert.ok(Math.abs(t.mean - 200) < 1);
    assert.ok(t.noise > 4 && t.noise < 6, `noise ${t.noise}`);
  });

  it('measures a steady leak in units per hour and calls it growing', () => {
    // 1 unit a minute on a level of 100: 20 over the last two thirds, far above 5 % of the mean and the noise.
    const t = trend(series((m) => 100 + m, 0.5));
    assert.equal(t.verdict, 'growing');
    assert.ok(Math.abs(t.slopePerHour - 60) < 0.5, `slope ${t.slopePerHour}`);
    assert.ok(Math.abs(t.change - 20) < 0.5, `change ${t.change}`);
  });

  it('leaves the warm-up out: a ramp in the first third does not count', () => {
    const t = trend(series((m) => (m < 10 ? m * 10 : 100), 1));
    assert.equal(t.verdict, 'flat within noise');
  });

  it('calls a fall shrinking, and a change under 5 % of the mean flat', () => {
    assert.equal(trend(series((m) => 1000 - m * 5)).verdict, 'shrinking');
    assert.equal(trend(series((m) => 1000 + m)).verdict, 'flat within noise');
  });

  it('holds a series of zeros flat (the floor), and one step above the floor growing', () => {
    assert.equal(trend(series(() => 0)).verdict, 'flat within noise');
    assert.equal(
      trend(
        series((m) => (m < 20 ? 0 : 3)),
        2 / 3,
        1,
      ).verdict,
      'growing',
    );
  });
});
