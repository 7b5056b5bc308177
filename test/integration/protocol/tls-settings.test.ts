import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import * as tls from 'node:tls';
import { derivedPassword } from '../../../adapter/src/auth/cert-identity';
import type { Adapter } from '../../../adapter/src/server';
import { startAdapter, uniqueId } from '../helpers/adapter';
import { onCleanup } from '../helpers/cleanup';
import { RawMqtt } from '../helpers/raw-mqtt';
import { deleteUser, rabbitmqctl, setPermissions } from '../helpers/rabbit';
import { useCleanup } from '../helpers/suite';
import { createPki, tlsEnv, type Pki } from '../helpers/tls';
import { startTlsTerminator, type TlsTerminator } from '../helpers/tls-terminator';
import { within } from '../helpers/wait';
import { uniqueTopic } from '../v5/support';

interface Handshake {
  readonly protocol: string | null;
  readonly cipher: string;
}

/**
 * The listeners' TLS settings, each tried with a client that offers only
 * what the setting excludes (and one that offers what it allows), against
 * the TLS and the secure WebSocket listener; SAN-type login; and the CA of
 * the adapter's own amqps:// connection, through a TLS endpoint in front of
 * the test RabbitMQ.
 */
describe('protocol: TLS settings (versions, ciphers, SAN login, amqps CA)', function () {
  let pki: Pki;
  before(async function () {
    pki = await createPki();
  });
  after(async function () {
    await pki?.remove();
  });
  useCleanup();

  /** A TLS handshake with the adapter's port, offering only what `offer` allows; the socket is closed after. */
  function handshake(port: number, offer: tls.ConnectionOptions): Promise<Handshake> {
    return within(
      new Promise<Handshake>((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port, ca: pki.ca, servername: 'localhost', ...offer });
        onCleanup(() => void s.destroy());
        s.once('secureConnect', () => {
          resolve({ protocol: s.getProtocol(), cipher: s.getCipher().name });
          s.destroy();
        });
        s.once('error', reject);
      }),
      8000,
      'TLS handshake',
    );
  }

  /** Starts an adapter with TLS and secure WebSocket listeners and these settings. */
  async function tlsAdapter(env: Record<string, string>): Promise<Adapter> {
    const adapter = await startAdapter({
      ...tlsEnv(pki),
      MQTT_ADAPTER_WS_ENABLED: 'true',
      MQTT_ADAPTER_WS_PORT: '0',
      ...env,
    });
    onCleanup(() => adapter.stop());
    return adapter;
  }

  const listenersOf = (a: Adapter): [string, number][] => [
    ['TLS', a.ports.tls as number],
    ['WSS', a.ports.ws as number],
  ];

  it('MQTT_ADAPTER_TLS_MIN_VERSION=TLSv1.3 refuses a client capped at TLS 1.2', async function () {
    const a = await tlsAdapter({ MQTT_ADAPTER_TLS_MIN_VERSION: 'TLSv1.3' });
    for (const [name, port] of listenersOf(a)) {
      await assert.rejects(handshake(port, { maxVersion: 'TLSv1.2' }), /protocol version/, name);
      assert.equal((await handshake(port, {})).protocol, 'TLSv1.3', name);
    }
    const { connack } = await RawMqtt.connect(
      a.ports.tls as number,
      {},
      { ca: pki.ca, servername: 'localhost' },
    );
    assert.equal(connack.returnCode, 0);
  });

  it('MQTT_ADAPTER_TLS_MAX_VERSION=TLSv1.2 refuses a client that offers TLS 1.3 only', async function () {
    const a = await tlsAdapter({ MQTT_ADAPTER_TLS_MAX_VERSION: 'TLSv1.2' });
    for (const [name, port] of listenersOf(a)) {
      await assert.rejects(handshake(port, { minVersion: 'TLSv1.3' }), /protocol version/, name);
      assert.equal((await handshake(port, {})).protocol, 'TLSv1.2', name);
    }
  });

  it('MQTT_ADAPTER_TLS_CIPHERS refuses a TLS 1.2 client offering only a cipher not in the list', async function () {
    // The server key is EC P-256, so the ECDSA suites are the ones it can use.
    const allowed = 'ECDHE-ECDSA-AES128-GCM-SHA256';
    const a = await tlsAdapter({
      MQTT_ADAPTER_TLS_CIPHERS: allowed,
      MQTT_ADAPTER_TLS_MAX_VERSION: 'TLSv1.2',
    });
    for (const [name, port] of listenersOf(a)) {
      await assert.rejects(
        handshake(port, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' }),
        /handshake failure/,
        name,
      );
      assert.equal((await handshake(port, { maxVersion: 'TLSv1.2' })).cipher, allowed, name);
    }
  });

  it('MQTT_ADAPTER_TLS_CIPHERS restricts the TLS 1.3 suites as well', async function () {
    const a = await tlsAdapter({
      MQTT_ADAPTER_TLS_CIPHERS: 'TLS_AES_256_GCM_SHA384',
      MQTT_ADAPTER_TLS_MIN_VERSION: 'TLSv1.3',
    });
    for (const [name, port] of listenersOf(a)) {
      await assert.rejects(handshake(port, { ciphers: 'TLS_AES_128_GCM_SHA256' }), /handshake failure/, name);
      assert.equal((await handshake(port, {})).cipher, 'TLS_AES_256_GCM_SHA384', name);
    }
  });

  describe('certificate login from a chosen SAN type and index', function () {
    const secret = randomBytes(24).toString('hex');
    const user = uniqueId('san-login');
    let adapter: Adapter;
    before(async function () {
      await rabbitmqctl('add_user', '--', user, derivedPassword(secret, '/', user));
      await setPermissions(user);
      adapter = await startAdapter({
        ...tlsEnv(pki),
        MQTT_ADAPTER_TLS_CLIENT_CERT: 'required',
        MQTT_ADAPTER_TLS_CERT_LOGIN: 'san',
        MQTT_ADAPTER_TLS_CERT_LOGIN_SAN_TYPE: 'dns',
        MQTT_ADAPTER_TLS_CERT_LOGIN_SAN_INDEX: '1',
        MQTT_ADAPTER_CERT_LOGIN_SECRET: secret,
      });
    });
    after(async function () {
      await adapter?.stop();
      await deleteUser(user);
    });

    const connectAs = async (san: string) => {
      const pair = await pki.client(`san-${randomBytes(3).toString('hex')}`, { cn: 'not-the-user', san });
      return RawMqtt.connect5(
        adapter.ports.tls as number,
        { username: undefined, password: undefined },
        { ca: pki.ca, servername: 'localhost', cert: pair.cert, key: pair.key },
      );
    };

    it('logs in as the second DNS name, past an email and a first DNS name', async function () {
      const { client, connack } = await connectAs(`email:ops@example.com,DNS:gateway.example,DNS:${user}`);
      assert.equal(connack.reasonCode, 0);
      const topic = uniqueTopic('san');
      client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 0 }] });
      assert.deepEqual((await client.nextOf('suback')).granted, [0]);
    });

    it('refuses a certificate without that SAN, before any MQTT byte', async function () {
      await assert.rejects(connectAs(`DNS:${user},email:ops@example.com`));
    });
  });

  describe('MQTT_ADAPTER_AMQP_CA_FILE: the CA of amqps:// to RabbitMQ', function () {
    let terminator: TlsTerminator;
    before(async function () {
      terminator = await startTlsTerminator(pki.server, { host: '127.0.0.1', port: 5672 });
    });
    after(async function () {
      await terminator?.close();
    });

    const amqps = (): string => `amqps://localhost:${terminator.port}`;

    it('verifies RabbitMQ with the private CA: clients log in over amqps://', async function () {
      const before = terminator.handshakes;
      const a = await startAdapter({ MQTT_ADAPTER_AMQP_URL: amqps(), MQTT_ADAPTER_AMQP_CA_FILE: pki.caFile });
      onCleanup(() => a.stop());
      const { client, connack } = await RawMqtt.connect5(a.ports.mqtt);
      assert.equal(connack.reasonCode, 0);
      const topic = uniqueTopic('amqps');
      client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 1 }] });
      assert.deepEqual((await client.nextOf('suback')).granted, [1]);
      client.send({
        cmd: 'publish',
        topic,
        payload: Buffer.from('over amqps'),
        qos: 1,
        messageId: 2,
        retain: false,
        dup: false,
      });
      assert.equal((await client.nextOf('publish')).payload.toString(), 'over amqps');
      assert.ok(terminator.handshakes > before, 'the adapter reached RabbitMQ over TLS');
    });

    it('refuses clients when RabbitMQ presents a certificate no configured CA signed', async function () {
      const a = await startAdapter({
        MQTT_ADAPTER_AMQP_URL: amqps(),
        MQTT_ADAPTER_AMQP_CONNECT_TIMEOUT_MS: '3000',
      });
      onCleanup(() => a.stop());
      const { connack } = await RawMqtt.connect5(a.ports.mqtt);
      assert.equal(connack.reasonCode, 0x88);
    });

    it('stops the start, naming the setting, when the CA file cannot be read', async function () {
      await assert.rejects(
        startAdapter({ MQTT_ADAPTER_AMQP_URL: amqps(), MQTT_ADAPTER_AMQP_CA_FILE: `${pki.dir}/missing.pem` }),
        /MQTT_ADAPTER_AMQP_CA_FILE: cannot read/,
      );
    });
  });
});
