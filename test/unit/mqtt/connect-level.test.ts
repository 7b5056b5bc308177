import { strict as assert } from 'node:assert';
import { generate } from 'mqtt-packet';
import { connectProtocolLevel } from '../../../adapter/src/mqtt/connect-level';

function connect(protocolId: 'MQTT' | 'MQIsdp', protocolVersion: 3 | 4 | 5, passwordBytes: number): Buffer {
  return generate({
    cmd: 'connect',
    protocolId,
    protocolVersion,
    clean: true,
    keepalive: 0,
    clientId: 'c',
    username: 'u',
    password: Buffer.alloc(passwordBytes),
  });
}

describe('mqtt/connect-level', () => {
  it('reads the level of a CONNECT from its first bytes, whatever the length field size', () => {
    for (const [id, level] of [
      ['MQIsdp', 3],
      ['MQTT', 4],
      ['MQTT', 5],
    ] as const) {
      for (const body of [10, 300, 70_000, 3_000_000]) {
        const head = connect(id, level, body).subarray(0, 16);
        assert.equal(connectProtocolLevel(head), level, `${id} ${level} with ${body} password bytes`);
      }
    }
  });

  it('says nothing when the level byte has not arrived or the packet is not a CONNECT', () => {
    const full = connect('MQTT', 5, 70_000);
    // 4 header bytes, 2 of name length, 4 of name: the level is byte 10.
    assert.equal(connectProtocolLevel(full.subarray(0, 10)), undefined);
    assert.equal(connectProtocolLevel(full.subarray(0, 11)), 5);
    assert.equal(connectProtocolLevel(full.subarray(0, 3)), undefined);
    assert.equal(connectProtocolLevel(Buffer.alloc(0)), undefined);
    assert.equal(
      connectProtocolLevel(Buffer.from([0x30, 0x05, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x05])),
      undefined,
    );
  });
});
