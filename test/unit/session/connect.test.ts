import { strict as assert } from 'node:assert';
import type { IConnectPacket } from 'mqtt-packet';
import { loadConfig } from '../../../adapter/src/config/load';
import { MqttError } from '../../../adapter/src/mqtt/errors';
import { Reason, type ReasonCode } from '../../../adapter/src/mqtt/reason-codes';
import { checkProtocol, resolveClientId, resolveCredentials } from '../../../adapter/src/session/connect';

const packet = (over: Partial<IConnectPacket> = {}): IConnectPacket => ({
  cmd: 'connect',
  protocolId: 'MQTT',
  protocolVersion: 4,
  clientId: 'c1',
  clean: true,
  keepalive: 30,
  ...over,
});

function refusedWith(reason: ReasonCode, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof MqttError && err.reason === reason);
}

const noDefault = { config: loadConfig({}, () => '') };
const withDefault = {
  config: loadConfig({ MQTT_ADAPTER_DEFAULT_USER: 'dflt', MQTT_ADAPTER_DEFAULT_PASSWORD: 'dpw' }, () => ''),
};

describe('session/connect: pure CONNECT steps', () => {
  it('accepts MQIsdp at level 3 and MQTT at level 4 [MQTT-3.1.2-2]', () => {
    checkProtocol(packet({ protocolId: 'MQIsdp', protocolVersion: 3 }));
    checkProtocol(packet());
    refusedWith(Reason.UnsupportedProtocolVersion, () =>
      checkProtocol(packet({ protocolId: 'MQIsdp', protocolVersion: 4 })),
    );
    refusedWith(Reason.UnsupportedProtocolVersion, () => checkProtocol(packet({ protocolVersion: 3 })));
  });

  it('keeps a given client id', () => {
    assert.deepEqual(resolveClientId(packet({ clientId: 'abc' })), { clientId: 'abc', assigned: false });
  });

  it('refuses an empty client id without a clean session [MQTT-3.1.3-8]', () => {
    refusedWith(Reason.ClientIdentifierNotValid, () =>
      resolveClientId(packet({ clientId: '', clean: false })),
    );
  });

  it('assigns a unique id to an empty client id with a clean session [MQTT-3.1.3-6]', () => {
    const a = resolveClientId(packet({ clientId: '' }));
    const b = resolveClientId(packet({ clientId: '' }));
    assert.equal(a.assigned, true);
    assert.ok(a.clientId.length > 0);
    assert.notEqual(a.clientId, b.clientId);
  });

  it('logs in with the client credentials on the listener vhost, or `vhost:user`', () => {
    assert.deepEqual(
      resolveCredentials(packet({ username: 'alice', password: Buffer.from('pw') }), noDefault),
      {
        vhost: '/',
        user: 'alice',
        password: 'pw',
      },
    );
    assert.deepEqual(
      resolveCredentials(packet({ username: 'prod:bob', password: Buffer.from('x') }), noDefault),
      { vhost: 'prod', user: 'bob', password: 'x' },
    );
  });

  it('refuses anonymous clients when no default user is set, and uses it when set', () => {
    refusedWith(Reason.NotAuthorized, () => resolveCredentials(packet(), noDefault));
    assert.deepEqual(resolveCredentials(packet(), withDefault), {
      vhost: '/',
      user: 'dflt',
      password: 'dpw',
    });
  });

  it('refuses a username without a password as bad credentials', () => {
    refusedWith(Reason.BadUserNameOrPassword, () =>
      resolveCredentials(packet({ username: 'alice' }), withDefault),
    );
  });
});
