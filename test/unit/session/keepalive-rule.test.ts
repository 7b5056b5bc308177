import assert from 'node:assert/strict';
import type { IConnectPacket } from 'mqtt-packet';
import { MqttError } from '../../../adapter/src/mqtt/errors';
import { checkKeepalive, grantKeepalive } from '../../../adapter/src/session/keepalive-rule';

const connect = (protocolVersion: 4 | 5, keepalive: number): IConnectPacket => ({
  cmd: 'connect',
  protocolId: 'MQTT',
  protocolVersion,
  clientId: 'c',
  clean: true,
  keepalive,
});

describe('session/keepalive-rule', () => {
  const capped = { serverKeepAlive: 0, maxKeepAlive: 60 };

  it('holds a v5 client asking for more than the cap, or for none, to the cap and announces it', () => {
    for (const asked of [0, 61, 65535])
      assert.deepEqual(grantKeepalive(connect(5, asked), capped), { seconds: 60, announced: 60 });
  });
  it('leaves a v5 client at or under the cap its own value, unannounced', () => {
    for (const asked of [1, 60])
      assert.deepEqual(grantKeepalive(connect(5, asked), capped), { seconds: asked });
  });
  it('sets no cap at 0', () => {
    const none = { serverKeepAlive: 0, maxKeepAlive: 0 };
    for (const v of [4, 5] as const) assert.deepEqual(grantKeepalive(connect(v, 0), none), { seconds: 0 });
    assert.doesNotThrow(() => checkKeepalive(connect(4, 0), none));
  });
  it('lets the server keepalive replace a v5 value, cap or not', () => {
    const server = { serverKeepAlive: 30, maxKeepAlive: 60 };
    for (const asked of [0, 10, 100])
      assert.deepEqual(grantKeepalive(connect(5, asked), server), { seconds: 30, announced: 30 });
  });
  it('refuses a 3.x client past the cap, or asking for none, with Client Identifier not valid (3.x 0x02)', () => {
    for (const asked of [0, 61]) {
      assert.throws(
        () => checkKeepalive(connect(4, asked), capped),
        (e: unknown) => e instanceof MqttError && e.reason === 0x85,
      );
    }
    assert.doesNotThrow(() => checkKeepalive(connect(4, 60), capped));
    assert.doesNotThrow(() => checkKeepalive(connect(5, 0), capped));
    assert.deepEqual(grantKeepalive(connect(4, 30), capped), { seconds: 30 });
  });
});
