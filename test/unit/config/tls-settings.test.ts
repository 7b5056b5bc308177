import { strict as assert } from 'node:assert';
import { ConfigError, loadConfig } from '../../../adapter/src/config/load';
import { cipherListProblem } from '../../../adapter/src/config/tls-ciphers';

function refused(env: Record<string, string>, pattern: RegExp): void {
  assert.throws(
    () => loadConfig(env, () => ''),
    (err: unknown) => err instanceof ConfigError && pattern.test(err.message),
  );
}

const certLogin = {
  MQTT_ADAPTER_TLS_CERT_FILE: '/c',
  MQTT_ADAPTER_TLS_KEY_FILE: '/k',
  MQTT_ADAPTER_TLS_CA_FILE: '/ca',
  MQTT_ADAPTER_TLS_CLIENT_CERT: 'required',
  MQTT_ADAPTER_CERT_LOGIN_SECRET: 's',
};

describe('config: TLS settings', () => {
  it('defaults to TLS 1.2 to 1.3, Node ciphers, first SAN of any type', () => {
    const c = loadConfig({}, () => '');
    assert.deepEqual(
      [c.tlsMinVersion, c.tlsMaxVersion, c.tlsCiphers, c.tlsCertLoginSanType, c.tlsCertLoginSanIndex],
      ['TLSv1.2', 'TLSv1.3', undefined, 'any', 0],
    );
  });

  it('refuses versions it does not take and a minimum above the maximum', () => {
    refused({ MQTT_ADAPTER_TLS_MIN_VERSION: 'TLSv1.1' }, /MQTT_ADAPTER_TLS_MIN_VERSION="TLSv1.1"/);
    refused({ MQTT_ADAPTER_TLS_MAX_VERSION: '1.3' }, /MQTT_ADAPTER_TLS_MAX_VERSION="1.3"/);
    refused(
      { MQTT_ADAPTER_TLS_MIN_VERSION: 'TLSv1.3', MQTT_ADAPTER_TLS_MAX_VERSION: 'TLSv1.2' },
      /MQTT_ADAPTER_TLS_MIN_VERSION=TLSv1.3 is newer than MQTT_ADAPTER_TLS_MAX_VERSION=TLSv1.2/,
    );
  });

  it('refuses a cipher list with an unknown suite or nothing OpenSSL takes', () => {
    assert.equal(cipherListProblem('ECDHE-ECDSA-AES128-GCM-SHA256:TLS_AES_256_GCM_SHA384'), undefined);
    assert.equal(cipherListProblem('HIGH:!aNULL:!MD5'), undefined);
    assert.match(
      cipherListProblem('ECDHE-ECDSA-AES128-GCM-SHA999:HIGH') ?? '',
      /unknown cipher ECDHE-ECDSA-AES128-GCM-SHA999/,
    );
    assert.match(cipherListProblem('TLS_AES_512') ?? '', /unknown cipher TLS_AES_512/);
    assert.match(cipherListProblem('NOTHING') ?? '', /OpenSSL takes no cipher/);
    refused(
      { MQTT_ADAPTER_TLS_CIPHERS: 'AES999-SHA' },
      /MQTT_ADAPTER_TLS_CIPHERS="AES999-SHA": unknown cipher AES999-SHA/,
    );
  });

  it('refuses TLS 1.3 suites only unless TLS 1.2 is off', () => {
    refused(
      { MQTT_ADAPTER_TLS_CIPHERS: 'TLS_AES_256_GCM_SHA384' },
      /names TLS 1.3 suites only, which leaves TLS 1.2 no cipher: set MQTT_ADAPTER_TLS_MIN_VERSION=TLSv1.3/,
    );
    const c = loadConfig(
      { MQTT_ADAPTER_TLS_CIPHERS: 'TLS_AES_256_GCM_SHA384', MQTT_ADAPTER_TLS_MIN_VERSION: 'TLSv1.3' },
      () => '',
    );
    assert.equal(c.tlsCiphers, 'TLS_AES_256_GCM_SHA384');
  });

  it('takes a SAN type and index only with SAN login', () => {
    const c = loadConfig(
      {
        ...certLogin,
        MQTT_ADAPTER_TLS_CERT_LOGIN: 'san',
        MQTT_ADAPTER_TLS_CERT_LOGIN_SAN_TYPE: 'email',
        MQTT_ADAPTER_TLS_CERT_LOGIN_SAN_INDEX: '2',
      },
      () => '',
    );
    assert.deepEqual([c.tlsCertLoginSanType, c.tlsCertLoginSanIndex], ['email', 2]);
    refused(
      { ...certLogin, MQTT_ADAPTER_TLS_CERT_LOGIN: 'cn', MQTT_ADAPTER_TLS_CERT_LOGIN_SAN_TYPE: 'dns' },
      /MQTT_ADAPTER_TLS_CERT_LOGIN_SAN_TYPE and MQTT_ADAPTER_TLS_CERT_LOGIN_SAN_INDEX need MQTT_ADAPTER_TLS_CERT_LOGIN=san/,
    );
    const other = loadConfig(
      {
        ...certLogin,
        MQTT_ADAPTER_TLS_CERT_LOGIN: 'san',
        MQTT_ADAPTER_TLS_CERT_LOGIN_SAN_TYPE: 'other_name',
      },
      () => '',
    );
    assert.equal(other.tlsCertLoginSanType, 'other_name');
    refused({ MQTT_ADAPTER_TLS_CERT_LOGIN_SAN_TYPE: 'upn' }, /MQTT_ADAPTER_TLS_CERT_LOGIN_SAN_TYPE="upn"/);
    refused({ MQTT_ADAPTER_TLS_CERT_LOGIN_SAN_INDEX: '-1' }, /MQTT_ADAPTER_TLS_CERT_LOGIN_SAN_INDEX="-1"/);
  });

  it('takes DN login from the config file, with a vhost map keyed by DN', () => {
    const dn = 'CN=sensor-17,OU=Sensors+UID=u1,O=Acme\\, Inc.,C=GB';
    const file = JSON.stringify({
      MQTT_ADAPTER_TLS_CERT_LOGIN: 'dn',
      MQTT_ADAPTER_VHOST_BY_CERTIFICATE: { [dn]: 'tenant-a' },
    });
    const c = loadConfig({ ...certLogin, MQTT_ADAPTER_CONFIG_FILE: '/config.json' }, () => file);
    assert.equal(c.tlsCertLogin, 'dn');
    assert.deepEqual(c.vhostByCertificate, { [dn]: 'tenant-a' });
    refused(
      { ...certLogin, MQTT_ADAPTER_TLS_CERT_LOGIN: 'dn', MQTT_ADAPTER_TLS_CERT_LOGIN_SAN_INDEX: '1' },
      /need MQTT_ADAPTER_TLS_CERT_LOGIN=san/,
    );
    refused(
      { MQTT_ADAPTER_TLS_CERT_LOGIN: 'distinguished_name' },
      /MQTT_ADAPTER_TLS_CERT_LOGIN="distinguished_name"/,
    );
  });

  it('takes a client certificate for amqps:// only with its key', () => {
    const c = loadConfig(
      { MQTT_ADAPTER_AMQP_TLS_CERT_FILE: '/amqp.crt', MQTT_ADAPTER_AMQP_TLS_KEY_FILE: '/amqp.key' },
      () => '',
    );
    assert.deepEqual([c.amqpTlsCertFile, c.amqpTlsKeyFile], ['/amqp.crt', '/amqp.key']);
    const together =
      /MQTT_ADAPTER_AMQP_TLS_CERT_FILE and MQTT_ADAPTER_AMQP_TLS_KEY_FILE are set together or not at all/;
    refused({ MQTT_ADAPTER_AMQP_TLS_CERT_FILE: '/amqp.crt' }, together);
    refused({ MQTT_ADAPTER_AMQP_TLS_KEY_FILE: '/amqp.key' }, together);
  });
});
