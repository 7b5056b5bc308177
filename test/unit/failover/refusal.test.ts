import { strict as assert } from 'node:assert';
import { refusalWindow, type ConnectSample } from '../../../bench/failover/refusal';

describe('bench/failover: the refusal window of new CONNECTs', () => {
  const s = (at: number, outcome: ConnectSample['outcome'], code?: number): ConnectSample => ({
    at,
    outcome,
    ...(code === undefined ? {} : { code }),
  });

  it('spans the first refusal after the fault to the first CONNECT accepted after the last refusal', () => {
    const w = refusalWindow(
      [
        s(900, 'refused', 3),
        s(1000, 'accepted'),
        s(1100, 'refused', 3),
        s(1200, 'accepted'),
        s(1300, 'failed'),
        s(1400, 'refused', 3),
        s(1500, 'accepted'),
        s(1600, 'accepted'),
      ],
      1000,
    );
    assert.deepEqual(w, {
      sent: 7,
      refused: 2,
      failed: 1,
      codes: { '0x3': 2 },
      firstRefusedMs: 100,
      acceptedAgainMs: 500,
      windowMs: 400,
    });
  });

  it('is empty when every CONNECT was accepted, and open-ended when none was again', () => {
    assert.equal(refusalWindow([s(10, 'accepted')], 0).windowMs, 0);
    const open = refusalWindow([s(10, 'refused', 3), s(50, 'refused', 3)], 0);
    assert.equal(open.acceptedAgainMs, undefined);
    assert.equal(open.windowMs, 40);
  });
});
