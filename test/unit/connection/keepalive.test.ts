import { strict as assert } from 'node:assert';
import { Keepalive } from '../../../adapter/src/connection/keepalive';
import { ManualClock } from '../../support/manual-clock';

const ioPhase = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('connection/keepalive', () => {
  it('expires a client silent for one and a half periods [MQTT-3.1.2-24]', async () => {
    const clock = new ManualClock();
    let expired = 0;
    const k = new Keepalive(() => expired++, clock);
    k.start(10);
    await clock.advance(14_000);
    assert.equal(expired, 0);
    await clock.advance(1_000);
    await ioPhase();
    assert.equal(expired, 1);
  });

  it('re-arms for a client heard from within the period', async () => {
    const clock = new ManualClock();
    let expired = 0;
    const k = new Keepalive(() => expired++, clock);
    k.start(10);
    await clock.advance(10_000);
    k.touch();
    await clock.advance(10_000);
    await ioPhase();
    assert.equal(expired, 0);
    k.stop();
  });

  it('after a stall, reads what arrived meanwhile before it decides', async () => {
    const clock = new ManualClock();
    let expired = 0;
    const k = new Keepalive(() => expired++, clock);
    k.start(10);
    // The process ran nothing for 20 s; on waking its timer fires first, then the socket's buffered PINGREQ is read.
    const advancing = clock.advance(20_000);
    k.touch();
    await advancing;
    await ioPhase();
    assert.equal(expired, 0);
    k.stop();
  });
});
