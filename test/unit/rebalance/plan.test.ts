import { strict as assert } from 'node:assert';
import { shareOf, shouldShed } from '../../../adapter/src/rebalance/plan';
import { Triggers } from '../../../adapter/src/rebalance/triggers';

const loads = (...sessions: number[]) => sessions.map((s, i) => ({ incarnation: `p${i}/x`, sessions: s }));

describe('rebalance: share of a replica', () => {
  it('is over when above the average by more than the tolerance, with the average rounded up as target', () => {
    assert.deepEqual(shareOf(loads(3000, 0, 0), 'p0/x', 3000, 0.1), {
      total: 3000,
      replicas: 3,
      target: 1000,
      over: true,
      uneven: true,
      farthest: 2000,
    });
    // 1,090 against an average of 1,000 is within 10 %.
    assert.equal(shareOf(loads(1090, 1000, 910), 'p0/x', 1090, 0.1).over, false);
    assert.equal(shareOf(loads(1110, 1000, 890), 'p0/x', 1110, 0.1).over, true);
    assert.equal(shareOf(loads(0, 3000, 0), 'p0/x', 0, 0.1).over, false);
  });

  it('counts its own live number, not its published one, and itself when not yet published', () => {
    assert.equal(shareOf(loads(3000, 0, 0), 'p0/x', 1500, 0.1).total, 1500);
    assert.deepEqual(shareOf(loads(600, 0), 'me/y', 900, 0), {
      total: 1500,
      replicas: 3,
      target: 500,
      over: true,
      uneven: true,
      farthest: 500,
    });
  });

  it('keeps a round total while its hand-offs are in no count yet', () => {
    // 300 handed off and not yet back anywhere: the target stays at 1,000, not 900.
    assert.equal(shareOf(loads(3000, 0, 0), 'p0/x', 2700, 0.1, 3000).target, 1000);
    assert.equal(shareOf(loads(3000, 0, 0), 'p0/x', 2700, 0.1).target, 900);
  });

  it('is uneven when any replica is off the average by more than the tolerance, either way', () => {
    assert.equal(shareOf(loads(204, 177, 219), 'p0/x', 204, 0.1).uneven, true);
    assert.equal(shareOf(loads(204, 181, 215), 'p0/x', 204, 0.1).uneven, false);
    assert.equal(shareOf(loads(200, 175, 225), 'p0/x', 200, 0.1).uneven, true);
    // 334, 333, 333 is as even as 1,000 over three can be, tolerance 0 included.
    assert.equal(shareOf(loads(334, 333, 333), 'p0/x', 334, 0).uneven, false);
  });

  it('sheds above the average while another replica is short, and never at or below it', () => {
    const share = (mine: number, ...others: number[]) => shareOf(loads(mine, ...others), 'p0/x', mine, 0.1);
    // 219 is within 10 % of 200, but 177 is not: both replicas above the average shed.
    assert.equal(shouldShed(share(219, 204, 177), 219), true);
    assert.equal(shouldShed(share(204, 219, 177), 204), true);
    assert.equal(shouldShed(share(177, 204, 219), 177), false);
    assert.equal(shouldShed(share(200, 223, 177), 200), false, 'at the average');
    assert.equal(shouldShed(share(215, 204, 181), 215), false, 'every replica within the tolerance');
  });

  it('never asks a replica at the target to move anything, tolerance 0 included', () => {
    assert.equal(shareOf(loads(1, 0), 'p0/x', 1, 0).over, false);
    assert.equal(shareOf(loads(2, 0), 'p0/x', 2, 0).over, true);
  });
});

describe('rebalance: triggers', () => {
  it('learns the replicas on its first read, and starts a round a delay after one joins', () => {
    const t = new Triggers('a/1', 5000);
    assert.equal(t.observe(['a/1', 'b/1'], undefined, 0), undefined);
    assert.equal(t.observe(['a/1', 'b/1'], undefined, 1000), undefined);
    assert.equal(t.observe(['a/1', 'b/1', 'c/1'], undefined, 2000), undefined);
    assert.equal(t.observe(['a/1', 'b/1', 'c/1'], undefined, 6999), undefined);
    assert.equal(t.observe(['a/1', 'b/1', 'c/1'], undefined, 7000), 'scale-out');
    assert.equal(t.observe(['a/1', 'b/1', 'c/1'], undefined, 8000), undefined, 'once');
  });

  it('restarts the wait when another replica joins meanwhile', () => {
    const t = new Triggers('a/1', 5000);
    t.observe(['a/1'], undefined, 0);
    t.observe(['a/1', 'b/1'], undefined, 1000);
    t.observe(['a/1', 'b/1', 'c/1'], undefined, 4000);
    assert.equal(t.observe(['a/1', 'b/1', 'c/1'], undefined, 6000), undefined);
    assert.equal(t.observe(['a/1', 'b/1', 'c/1'], undefined, 9000), 'scale-out');
  });

  it('answers each new request once, but not one standing when it started', () => {
    const t = new Triggers('a/1', 5000);
    assert.equal(t.observe(['a/1'], 'r1', 0), undefined);
    assert.equal(t.observe(['a/1'], 'r1', 1000), undefined);
    assert.equal(t.observe(['a/1'], 'r2', 2000), 'request');
    assert.equal(t.observe(['a/1'], 'r2', 3000), undefined);
    assert.equal(t.observe(['a/1'], undefined, 4000), undefined, 'the request expired');
    assert.equal(t.observe(['a/1'], 'r2', 5000), undefined, 'the same id again is the same request');
    assert.equal(t.observe(['a/1'], 'r3', 6000), 'request');
  });

  it('does not take itself, or a replica that was there all along, for a newcomer', () => {
    const t = new Triggers('a/2', 0);
    assert.equal(t.observe(['b/1'], undefined, 0), undefined);
    assert.equal(t.observe(['a/2', 'b/1'], undefined, 1000), undefined);
    assert.equal(t.observe(['a/2', 'b/1'], undefined, 2000), undefined);
  });
});
