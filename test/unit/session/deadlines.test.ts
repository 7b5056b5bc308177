import { strict as assert } from 'node:assert';
import { SessionRig } from '../../support/session-rig';

const exceeded = async (rig: SessionRig, step: string): Promise<number> => {
  const m = await rig.deps.metrics.deadlinesExceeded.get();
  return m.values.find((v) => v.labels.step === step)?.value ?? 0;
};

describe('session core on the fake broker: deadlines on a manual clock', () => {
  const connectCases = [
    { v: 4, stuckAt: 'login', code: 0x03 },
    { v: 5, stuckAt: 'login', code: 0x88 },
    { v: 5, stuckAt: 'delete-stale', code: 0x88 },
  ] as const;
  for (const { v, stuckAt, code } of connectCases) {
    it(`v${v}: a CONNECT stuck at ${stuckAt} gets CONNACK 0x${code.toString(16)} at its deadline, and its undo`, async () => {
      const rig = new SessionRig();
      rig.broker.ops.hold();
      const c = rig.start('slow', { protocolVersion: v });
      while (rig.broker.ops.pending[0] !== stuckAt) {
        await rig.broker.ops.waitHeld(1);
        if (rig.broker.ops.pending[0] !== stuckAt) rig.broker.ops.step();
      }
      await rig.clock.advance(rig.config.connectDeadlineMs - 1);
      assert.deepEqual(c.pipe.unread, [], 'nothing before the deadline');
      await rig.clock.advance(1);
      const connack = await c.pipe.next('connack');
      assert.equal(v === 5 ? connack.reasonCode : connack.returnCode, code);
      rig.broker.ops.release();
      // Reading stays paused until CONNACK, so the socket ends by the connection's own 2 s destroy timer.
      await rig.clock.advance(2000);
      await rig.closed(c);
      assert.equal(await exceeded(rig, 'connect'), 1);
      assert.equal(rig.registry.size, 0);
      assert.equal(rig.broker.leftovers().links, 0, 'the late login is closed');
    });
  }

  it('a socket that sends no CONNECT is closed at the CONNECT timeout', async () => {
    const rig = new SessionRig();
    const c = rig.open();
    await rig.clock.advance(rig.config.connectTimeoutMs);
    await rig.closed(c);
    assert.equal(rig.broker.logins, 0);
  });

  it('a close stuck on the broker frees the client id at the close deadline; the rest finishes later', async () => {
    const rig = new SessionRig();
    const c = await rig.connect('stuck');
    await rig.subscribe(c, 'q/1', 1);
    rig.broker.ops.hold();
    await rig.hangUp(c);
    await rig.broker.ops.waitHeld(1);
    await rig.clock.advance(rig.config.closeTimeoutMs - 1);
    assert.equal(rig.registry.size, 1, 'held until the deadline');
    await rig.clock.advance(1);
    assert.equal(rig.registry.size, 0, 'client id free at the deadline');
    assert.equal(await exceeded(rig, 'close'), 1);
    assert.ok(rig.broker.ops.pending.length > 0, 'the broker has still not answered');
    rig.broker.ops.release();
    await rig.closed(c);
    while (rig.broker.leftovers().links > 0) await new Promise<void>((r) => setImmediate(r));
    assert.deepEqual(rig.broker.leftovers().queues, []);
    assert.equal(rig.broker.leftovers().consumers, 0);
  });
});
