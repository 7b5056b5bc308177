import { strict as assert } from 'node:assert';
import { consumerTagFor } from '../../../adapter/src/session/consumer-tag';

describe('session/consumer-tag', () => {
  const queue = 'mqtt-subscription-ready-pod-1-0a1b2c3d4e5f-17';

  it('names the queue, then the client id', () => {
    assert.equal(consumerTagFor(queue, 'sensor-17'), `${queue} sensor-17`);
  });

  it('cuts a long client id to the 255 bytes of a short string, whole characters only, the queue kept', () => {
    for (const unit of ['a', 'é', '€', '😀']) {
      const tag = consumerTagFor(queue, unit.repeat(65535));
      assert.ok(Buffer.byteLength(tag) <= 255, `${unit}: ${Buffer.byteLength(tag)} bytes`);
      assert.ok(Buffer.byteLength(tag) > 255 - Buffer.byteLength(unit), `${unit}: as much as fits`);
      assert.ok(tag.startsWith(`${queue} `));
      assert.ok(!tag.includes('\uFFFD'), 'no character cut in two');
    }
  });
});
