import assert from 'node:assert/strict';
import { closingWillPlan, supersededWillFate } from '../../../adapter/src/session/will-rules';

const will = (delaySeconds: number) => ({
  topic: 't',
  payload: Buffer.from('x'),
  qos: 0 as const,
  retain: false,
  delaySeconds,
});

describe('session/will-rules', () => {
  describe('supersededWillFate', () => {
    it('a scheduled will is cancelled by the client coming back in time [MQTT-3.1.3-9]', () => {
      assert.equal(supersededWillFate({ will: will(30), scheduled: true }, false), 'drop');
    });
    it('a clean start ends the session its delayed will waited on, so it goes out', () => {
      assert.equal(supersededWillFate({ will: will(30), scheduled: true }, true), 'publish');
    });
    it('a will held for the drain grace (delay 0) is cancelled by any reconnect', () => {
      assert.equal(supersededWillFate({ will: will(0), scheduled: true }, true), 'drop');
    });
    it('a taken-over open connection publishes its will, unless the resume cancels a delayed one', () => {
      assert.equal(supersededWillFate({ will: will(0), scheduled: false }, false), 'publish');
      assert.equal(supersededWillFate({ will: will(10), scheduled: false }, false), 'drop');
      assert.equal(supersededWillFate({ will: will(10), scheduled: false }, true), 'publish');
    });
  });

  describe('closingWillPlan', () => {
    it('a normal DISCONNECT removes the will [MQTT-3.1.2-10]', () => {
      assert.deepEqual(closingWillPlan('disconnect', 0, 60, false, 5000, true), { action: 'remove' });
    });
    it('an abnormal close without delay publishes now', () => {
      assert.deepEqual(closingWillPlan('abnormal', 0, 60, false, 5000, true), { action: 'publish' });
    });
    it('a delayed will waits for the smaller of its delay and the session expiry', () => {
      assert.deepEqual(closingWillPlan('abnormal', 30, 10, false, 5000, true), {
        action: 'schedule',
        delayMs: 10_000,
      });
      assert.deepEqual(closingWillPlan('abnormal', 5, 10, false, 5000, true), {
        action: 'schedule',
        delayMs: 5000,
      });
    });
    it('a session that ends with the connection publishes at once, whatever the delay', () => {
      assert.deepEqual(closingWillPlan('abnormal', 30, 0, true, 5000, true), { action: 'publish' });
    });
    it('a drain holds the will back for the grace when replicas share state', () => {
      assert.deepEqual(closingWillPlan('drain', 0, 60, false, 5000, true), {
        action: 'schedule',
        delayMs: 5000,
      });
      assert.deepEqual(closingWillPlan('drain', 30, 60, false, 5000, true), {
        action: 'schedule',
        delayMs: 30_000,
      });
    });
    it('a drain of the only replica (memory store) publishes, since nobody could later', () => {
      assert.deepEqual(closingWillPlan('drain', 0, 60, false, 5000, false), { action: 'publish' });
    });
  });
});
