import { strict as assert } from 'node:assert';
import { generate } from 'mqtt-packet';
import { PacketReader, type Incoming } from '../../../bench/wire/reader';
import { pubcompPacket, pubrecPacket, pubrelPacket } from '../../../bench/wire/packets';

const read = (version: 4 | 5, ...packets: Buffer[]): Incoming[] => {
  const out: Incoming[] = [];
  const reader = new PacketReader(version);
  // Byte by byte: framing across reads is part of what is tested.
  for (const b of Buffer.concat(packets)) reader.push(Buffer.from([b]), (p) => out.push(p));
  return out;
};

describe('load generator packet reader, MQTT 3.1.1 and 5', () => {
  it('skips the properties of an MQTT 5 PUBLISH and SUBACK', () => {
    const publish = generate(
      {
        cmd: 'publish',
        topic: 't/1',
        qos: 2,
        messageId: 7,
        dup: false,
        retain: false,
        payload: Buffer.from('abc'),
        properties: { userProperties: { k: 'v' }, messageExpiryInterval: 60 },
      },
      { protocolVersion: 5 },
    );
    const suback = generate(
      { cmd: 'suback', messageId: 1, granted: [2], properties: { reasonString: 'ok' } },
      { protocolVersion: 5 },
    );
    const [p, s] = read(5, publish, suback);
    assert.deepEqual(
      { ...p, payload: p.type === 'publish' ? p.payload.toString() : '' },
      {
        type: 'publish',
        qos: 2,
        id: 7,
        payload: 'abc',
      },
    );
    assert.deepEqual(s, { type: 'suback', granted: 2 });
  });

  it('reads an MQTT 3.1.1 PUBLISH as before, and the QoS 2 acknowledgements by id', () => {
    const publish = generate({
      cmd: 'publish',
      topic: 't',
      qos: 1,
      messageId: 300,
      dup: false,
      retain: false,
      payload: Buffer.from('x'),
    });
    const got = read(4, publish, pubrecPacket(1), pubrelPacket(2), pubcompPacket(65535));
    assert.equal(got[0].type === 'publish' && got[0].payload.toString(), 'x');
    assert.deepEqual(got.slice(1), [
      { type: 'pubrec', id: 1 },
      { type: 'pubrel', id: 2 },
      { type: 'pubcomp', id: 65535 },
    ]);
  });
});
