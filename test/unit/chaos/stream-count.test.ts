import { strict as assert } from 'node:assert';
import { StreamCounter, notExactlyOnce } from '../../../bench/chaos/stream-count';

describe('chaos stream accounting', () => {
  it('counts acknowledged numbers never received as lost, and extra arrivals as duplicates', () => {
    const c = new StreamCounter();
    for (const n of [0, 1, 2, 3]) c.acked(n);
    for (const n of [0, 1, 1, 1, 3, 4]) c.received(n);
    assert.equal(c.complete(), false);
    assert.deepEqual(c.count(), { acked: 4, received: 4, lost: [2], duplicates: 2, doubled: [1] });
    assert.equal(notExactlyOnce(c.count()), 2);
  });

  it('takes a number received but not (yet) acknowledged as neither lost nor doubled', () => {
    const c = new StreamCounter();
    c.acked(0);
    c.received(0);
    c.received(1);
    assert.equal(c.complete(), true);
    assert.equal(notExactlyOnce(c.count()), 0);
  });
});
