import { strict as assert } from 'node:assert';
import { parser as createParser, type Packet } from 'mqtt-packet';
import { brokenPacketRule } from '../../../adapter/src/mqtt/packet-rules';

/** What mqtt-packet makes of raw bytes, as the connection sees it. */
function parse(bytes: number[]): Packet {
  const parser = createParser({ protocolVersion: 4 });
  let packet: Packet | undefined;
  parser.on('packet', (p: Packet) => (packet = p));
  parser.on('error', (err: Error) => assert.fail(`mqtt-packet refused it itself: ${err.message}`));
  parser.parse(Buffer.from(bytes));
  assert.ok(packet, 'no packet parsed');
  return packet;
}

describe('mqtt/packet-rules: what mqtt-packet lets through', () => {
  it('refuses a QoS 1 PUBLISH with packet identifier 0 [MQTT-2.3.1-1]', () => {
    assert.match(brokenPacketRule(parse([0x32, 0x05, 0x00, 0x01, 0x61, 0x00, 0x00])) ?? '', /MQTT-2.3.1-1/);
    assert.equal(brokenPacketRule(parse([0x32, 0x05, 0x00, 0x01, 0x61, 0x00, 0x07])), undefined);
  });

  it('refuses DUP on a QoS 0 PUBLISH [MQTT-3.3.1-2]', () => {
    assert.match(brokenPacketRule(parse([0x38, 0x03, 0x00, 0x01, 0x61])) ?? '', /MQTT-3.3.1-2/);
    assert.equal(brokenPacketRule(parse([0x30, 0x03, 0x00, 0x01, 0x61])), undefined);
    // DUP on a QoS 1 retransmission is what it is for.
    assert.equal(brokenPacketRule(parse([0x3a, 0x05, 0x00, 0x01, 0x61, 0x00, 0x07])), undefined);
  });

  it('refuses SUBSCRIBE and UNSUBSCRIBE with packet identifier 0 [MQTT-2.3.1-1]', () => {
    assert.match(
      brokenPacketRule(parse([0x82, 0x06, 0x00, 0x00, 0x00, 0x01, 0x61, 0x00])) ?? '',
      /SUBSCRIBE/,
    );
    assert.equal(brokenPacketRule(parse([0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00])), undefined);
    assert.match(brokenPacketRule(parse([0xa2, 0x05, 0x00, 0x00, 0x00, 0x01, 0x61])) ?? '', /UNSUBSCRIBE/);
    assert.equal(brokenPacketRule(parse([0xa2, 0x05, 0x00, 0x02, 0x00, 0x01, 0x61])), undefined);
  });

  it('refuses an UNSUBSCRIBE without a topic filter [MQTT-3.10.3-2]', () => {
    assert.match(brokenPacketRule(parse([0xa2, 0x02, 0x00, 0x01])) ?? '', /MQTT-3.10.3-2/);
  });

  it('has nothing to say about other packets', () => {
    assert.equal(brokenPacketRule({ cmd: 'pingreq' }), undefined);
    assert.equal(brokenPacketRule({ cmd: 'puback', messageId: 3 }), undefined);
  });
});
