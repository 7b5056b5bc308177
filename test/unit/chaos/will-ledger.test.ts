import { strict as assert } from 'node:assert';
import { WillLedger } from '../../../bench/chaos/will-ledger';

describe('chaos will ledger', () => {
  it('counts expected, published, missing, unexpected and doubled wills, and their delay from the fault', () => {
    const w = new WillLedger();
    w.expect('a', 1000);
    w.expect('b', 1000);
    w.expect('c', 5000, 'drain');
    w.expect('d', 5000, 'drain');
    w.arrived('a', 1100);
    w.arrived('b', 3000);
    w.arrived('a', 3100);
    w.arrived('c', 5500);
    w.arrived('x', 6000);
    assert.equal(w.complete(), false);
    assert.deepEqual(w.summary(), {
      expected: 4,
      published: 3,
      missing: ['d'],
      unexpected: ['x'],
      duplicated: 1,
      delayMs: [100, 500, 2000],
    });
    assert.deepEqual(w.summary('drain'), {
      expected: 2,
      published: 1,
      missing: ['d'],
      unexpected: [],
      duplicated: 0,
      delayMs: [500, 500, 500],
    });
  });
});
