import { strict as assert } from 'node:assert';
import { everyPeriod, faultSchedule } from '../../../bench/chaos/schedule';

describe('chaos fault schedule', () => {
  it('puts a fault every period, kills and drains alternating, on each slot in turn', () => {
    assert.deepEqual(faultSchedule({ durationMs: 40_000, periodMs: 10_000, replicas: 3 }), [
      { atMs: 10_000, kind: 'kill', slot: 0 },
      { atMs: 20_000, kind: 'drain', slot: 1 },
      { atMs: 30_000, kind: 'kill', slot: 2 },
      { atMs: 40_000, kind: 'drain', slot: 0 },
    ]);
  });

  it('gives 30 faults in 5 minutes, and every slot both kinds', () => {
    const faults = faultSchedule({ durationMs: 300_000, periodMs: 10_000, replicas: 3 });
    assert.equal(faults.length, 30);
    for (const slot of [0, 1, 2])
      assert.deepEqual(
        new Set(faults.filter((f) => f.slot === slot).map((f) => f.kind)),
        new Set(['kill', 'drain']),
      );
  });

  it('has no fault in a run shorter than a period, and refuses a zero period', () => {
    assert.deepEqual(faultSchedule({ durationMs: 9_999, periodMs: 10_000, replicas: 3 }), []);
    assert.throws(() => faultSchedule({ durationMs: 1000, periodMs: 0, replicas: 3 }));
  });
});

describe('chaos backend fault times', () => {
  it('gives RabbitMQ node kills every 30 s and Redis failovers every 60 s from 45 s, in 5 minutes', () => {
    assert.deepEqual(
      everyPeriod(300_000, 30_000),
      [30, 60, 90, 120, 150, 180, 210, 240, 270, 300].map((s) => s * 1000),
    );
    assert.deepEqual(everyPeriod(300_000, 60_000, 45_000), [45_000, 105_000, 165_000, 225_000, 285_000]);
  });

  it('has none before the first is due, and refuses a zero period', () => {
    assert.deepEqual(everyPeriod(44_999, 60_000, 45_000), []);
    assert.throws(() => everyPeriod(1000, 0));
  });
});
