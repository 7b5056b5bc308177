import { strict as assert } from 'node:assert';
import type { IConnectPacket } from 'mqtt-packet';
import { listenerVhost } from '../../../adapter/src/auth/vhost';
import { loadConfig } from '../../../adapter/src/config/load';
import { resolveCredentials } from '../../../adapter/src/session/connect';

const rules = {
  vhost: 'default-vh',
  vhostByPort: { '1883': 'port-vh' },
  vhostByCertificate: { 'device-1': 'cert-vh' },
};

const login = (username?: string): IConnectPacket => ({
  cmd: 'connect',
  protocolId: 'MQTT',
  protocolVersion: 4,
  clientId: 'c',
  clean: true,
  keepalive: 30,
  ...(username === undefined ? {} : { username, password: Buffer.from('pw') }),
});

describe('auth/vhost: the vhost a listener side picks', () => {
  it("certificate mapping, then port mapping, then the default, as RabbitMQ's MQTT plugin", () => {
    assert.equal(listenerVhost(rules, { localPort: 1883, certificateUser: 'device-1' }), 'cert-vh');
    assert.equal(listenerVhost(rules, { localPort: 1883, certificateUser: 'device-2' }), 'port-vh');
    assert.equal(listenerVhost(rules, { localPort: 1884 }), 'default-vh');
    assert.equal(listenerVhost(rules, {}), 'default-vh');
  });

  it('does not take inherited object keys for names', () => {
    assert.equal(listenerVhost(rules, { certificateUser: 'constructor' }), 'default-vh');
  });

  it('a `vhost:user` username still wins over the port mapping; the default user follows the port', () => {
    const config = loadConfig(
      {
        MQTT_ADAPTER_VHOST_BY_PORT: '1883=port-vh',
        MQTT_ADAPTER_DEFAULT_USER: 'anon',
        MQTT_ADAPTER_DEFAULT_PASSWORD: 'anon-pw',
      },
      () => '',
    );
    const at = { localPort: 1883 };
    assert.equal(resolveCredentials(login('alice'), { config }, at).vhost, 'port-vh');
    assert.equal(resolveCredentials(login('own:alice'), { config }, at).vhost, 'own');
    assert.equal(resolveCredentials(login(), { config }, at).vhost, 'port-vh');
    assert.equal(resolveCredentials(login('alice'), { config }, { localPort: 2000 }).vhost, '/');
  });
});
