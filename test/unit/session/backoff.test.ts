import { strict as assert } from 'node:assert';
import { doublingPause } from '../../../adapter/src/session/backoff';
import { retryDelay } from '../../../adapter/src/session/backlog';

describe('session/backoff', () => {
  it('doubles from the first pause up to the cap', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7].map((a) => doublingPause(a, 250, 4000)),
      [250, 500, 1000, 2000, 4000, 4000, 4000],
    );
    assert.equal(doublingPause(0, 250, 4000), 250);
  });

  it("gives the store backlog's pauses: 500 ms doubling to 15 s", () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 40].map(retryDelay), [500, 1000, 2000, 4000, 8000, 15_000, 15_000]);
  });
});
