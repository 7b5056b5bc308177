import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { generate, type IPublishPacket } from 'mqtt-packet';
import { encode } from '../../../adapter/src/mqtt/encoder';

const publish = fc.record({
  topic: fc.string({ unit: 'grapheme', maxLength: 200 }),
  payload: fc.uint8Array({ maxLength: 20_000 }).map((a) => Buffer.from(a)),
  qos: fc.constantFrom(0, 1, 2),
  retain: fc.boolean(),
  dup: fc.boolean(),
  messageId: fc.integer({ min: 1, max: 65535 }),
});

describe('unit: encoder', function () {
  it('writes v3.1.1 and v3.1 PUBLISH packets byte for byte as mqtt-packet does', function () {
    fc.assert(
      fc.property(publish, fc.constantFrom(3, 4), (f, protocolVersion) => {
        const p: IPublishPacket = { cmd: 'publish', ...f, qos: f.qos };
        if (p.qos === 0) delete p.messageId;
        assert.deepEqual(encode(p, protocolVersion), generate(p, { protocolVersion }));
      }),
    );
  });

  it('reuses the bytes of a QoS 0 message sent again, and only of the same message', function () {
    const payload = Buffer.from('fan-out');
    const p: IPublishPacket = { cmd: 'publish', topic: 't/1', payload, qos: 0, retain: false, dup: false };
    const first = encode(p, 4);
    assert.equal(encode({ ...p }, 4), first);
    // The same bytes in another buffer, another topic or another flag are another message.
    assert.notEqual(encode({ ...p, payload: Buffer.from('fan-out') }, 4), first);
    const retained = encode({ ...p, retain: true }, 4);
    assert.deepEqual(retained, generate({ ...p, retain: true }));
    const other = encode({ ...p, topic: 't/2' }, 4);
    assert.deepEqual(other, generate({ ...p, topic: 't/2' }));
  });

  it('leaves MQTT 5 and other packets to mqtt-packet', function () {
    const p: IPublishPacket = {
      cmd: 'publish',
      topic: 't',
      payload: Buffer.from('x'),
      qos: 1,
      messageId: 4,
      retain: false,
      dup: false,
      properties: { contentType: 'text/plain' },
    };
    assert.deepEqual(encode(p, 5), generate(p, { protocolVersion: 5 }));
    assert.deepEqual(encode({ cmd: 'pingresp' }, 4), generate({ cmd: 'pingresp' }));
  });
});
