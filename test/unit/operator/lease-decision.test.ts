import { strict as assert } from 'node:assert';
import { leaseAction, leaseSpec, microTime, type Lease } from '../../../operator/src/leader/lease-decision';

const now = new Date('2026-03-01T10:00:10.250Z');
const lease = (holderIdentity: string, renewTime: string, leaseDurationSeconds = 15): Lease => ({
  spec: { holderIdentity, renewTime, leaseDurationSeconds, leaseTransitions: 2 },
});

describe('operator: leader election decisions', () => {
  it('creates a missing Lease and renews its own', () => {
    assert.equal(leaseAction(null, 'me', now), 'create');
    assert.equal(leaseAction(lease('me', '2026-03-01T09:00:00.000000Z'), 'me', now), 'renew');
  });

  it('waits while another holder is within its lease duration', () => {
    assert.equal(leaseAction(lease('other', '2026-03-01T10:00:00.000000Z'), 'me', now), 'wait');
  });

  it('takes over an expired or released Lease', () => {
    assert.equal(leaseAction(lease('other', '2026-03-01T09:59:50.000000Z'), 'me', now), 'takeover');
    assert.equal(leaseAction(lease('', '2026-03-01T10:00:09.000000Z'), 'me', now), 'takeover');
  });

  it('writes MicroTime with six fractional digits and counts transitions on takeover only', () => {
    assert.equal(microTime(now), '2026-03-01T10:00:10.250000Z');
    const prev = lease('other', 'x').spec;
    const taken = leaseSpec('takeover', prev, 'me', 15, now);
    assert.deepEqual(taken, {
      holderIdentity: 'me',
      leaseDurationSeconds: 15,
      acquireTime: '2026-03-01T10:00:10.250000Z',
      renewTime: '2026-03-01T10:00:10.250000Z',
      leaseTransitions: 3,
    });
    const renewed = leaseSpec('renew', taken, 'me', 15, new Date('2026-03-01T10:00:12Z'));
    assert.equal(renewed.acquireTime, taken.acquireTime);
    assert.equal(renewed.renewTime, '2026-03-01T10:00:12.000000Z');
    assert.equal(renewed.leaseTransitions, 3);
  });
});
