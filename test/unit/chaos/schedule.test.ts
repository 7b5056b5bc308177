import { strict as assert } from 'node:assert';
import { faultSchedule } from '../../../bench/chaos/schedule';

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
