import { strict as assert } from 'node:assert';
import { X509Certificate } from 'node:crypto';
import amqp from 'amqplib';
import { subjectDistinguishedName } from '../../../adapter/src/auth/distinguished-name';
import type { Adapter } from '../../../adapter/src/server';
import { freePort } from '../../e2e/harness/net';
import { RabbitCluster } from '../../support/rabbit-cluster';
import { startAdapter } from '../helpers/adapter';
import { onCleanup } from '../helpers/cleanup';
import { RawMqtt } from '../helpers/raw-mqtt';
import { useCleanup } from '../helpers/suite';
import { createPki, type KeyPair, type Pki } from '../helpers/tls';
import { uniqueTopic } from '../v5/support';

/**
 * Mutual TLS on the adapter's own RabbitMQ connections, against a private
 * RabbitMQ node (Debian binaries) whose only client-facing TLS listener
 * demands a certificate (`verify_peer`, `fail_if_no_peer_cert`). The node
 * also runs rabbitmq_auth_mechanism_ssl with `ssl_cert_login_from =
 * distinguished_name`, so RabbitMQ itself says which user a certificate's DN
 * names, and the adapter's DN login is checked against it.
 */
describe('amqp-side: mutual TLS to RabbitMQ (MQTT_ADAPTER_AMQP_TLS_CERT_FILE, _KEY_FILE)', function () {
  // One node boots in 20 to 60 s on a busy 2-core machine.
  this.timeout(180_000);
  let pki: Pki;
  let rabbit: RabbitCluster | undefined;
  let tlsPort: number;
  let adapterPair: KeyPair;

  before(async function () {
    pki = await createPki();
    adapterPair = await pki.client('mqtt-adapter', { subject: '/O=mqtt-adapter tests/CN=mqtt-adapter' });
    tlsPort = await freePort();
    const started = Date.now();
    rabbit = await RabbitCluster.start(1, 'mqtls', {
      plugins: ['rabbitmq_auth_mechanism_ssl'],
      config: [
        `listeners.ssl.default = 127.0.0.1:${tlsPort}`,
        `ssl_options.cacertfile = ${pki.caFile}`,
        `ssl_options.certfile = ${pki.server.certFile}`,
        `ssl_options.keyfile = ${pki.server.keyFile}`,
        'ssl_options.verify = verify_peer',
        'ssl_options.fail_if_no_peer_cert = true',
        'auth_mechanisms.1 = PLAIN',
        'auth_mechanisms.2 = AMQPLAIN',
        'auth_mechanisms.3 = EXTERNAL',
        'ssl_cert_login_from = distinguished_name',
      ],
    });
    console.log(`      private RabbitMQ node started in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
  after(async function () {
    await rabbit?.stop();
    await pki?.remove();
  });
  useCleanup();

  const amqps = (): string => `amqps://localhost:${tlsPort}`;

  async function adapterWith(env: Record<string, string>): Promise<Adapter> {
    const a = await startAdapter({
      MQTT_ADAPTER_AMQP_URL: amqps(),
      MQTT_ADAPTER_AMQP_CA_FILE: pki.caFile,
      MQTT_ADAPTER_AMQP_CONNECT_TIMEOUT_MS: '5000',
      ...env,
    });
    onCleanup(() => a.stop());
    return a;
  }

  it('presents its certificate: a client logs in as itself (PLAIN) and publishes and receives', async function () {
    const a = await adapterWith({
      MQTT_ADAPTER_AMQP_TLS_CERT_FILE: adapterPair.certFile,
      MQTT_ADAPTER_AMQP_TLS_KEY_FILE: adapterPair.keyFile,
    });
    const { client, connack } = await RawMqtt.connect5(a.ports.mqtt);
    onCleanup(() => void client.socket.destroy());
    assert.equal(connack.reasonCode, 0);
    const topic = uniqueTopic('mtls');
    client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 1 }] });
    assert.deepEqual((await client.nextOf('suback')).granted, [1]);
    client.send({
      cmd: 'publish',
      topic,
      payload: Buffer.from('over mutual TLS'),
      qos: 1,
      messageId: 2,
      retain: false,
      dup: false,
    });
    assert.equal((await client.nextOf('publish')).payload.toString(), 'over mutual TLS');
    // RabbitMQ's own account of the connection: TLS, the adapter's certificate, the client's user.
    const rows = (
      await (rabbit as RabbitCluster).ctl(
        0,
        'list_connections',
        '--no-table-headers',
        'ssl',
        'peer_cert_subject',
        'user',
      )
    )
      .trim()
      .split('\n');
    assert.deepEqual(rows, ['true\tCN=mqtt-adapter,O=mqtt-adapter tests\tguest']);
  });

  it('without a client certificate RabbitMQ refuses the handshake: the client gets CONNACK 0x88', async function () {
    const a = await adapterWith({});
    const { client, connack } = await RawMqtt.connect5(a.ports.mqtt);
    onCleanup(() => void client.socket.destroy());
    assert.equal(connack.reasonCode, 0x88);
  });

  it("writes a certificate's DN as RabbitMQ's distinguished_name login names it (EXTERNAL)", async function () {
    const pair = await pki.client('dn-check', {
      subject:
        '/DC=org/DC=example/C=GB/O=Acme, Inc./OU=Dev+UID=u~1/CN=#device 1 /emailAddress=d1@example.org/CN=élan;<x>"q"\\\\ end/2.5.4.72=role',
    });
    const dn = subjectDistinguishedName(new X509Certificate(pair.cert).raw) as string;
    const ctl = (...args: string[]): Promise<string> => (rabbit as RabbitCluster).ctl(0, ...args);
    const external = (): Promise<amqp.ChannelModel> =>
      amqp.connect(amqps(), {
        ca: pki.ca,
        cert: pair.cert,
        key: pair.key,
        credentials: amqp.credentials.external(),
        timeout: 5000,
      });
    await assert.rejects(external(), 'no such user yet: EXTERNAL is refused');
    // EXTERNAL logs in whatever user RabbitMQ derives from the certificate; it succeeds only if that is `dn`.
    await ctl('add_user', '--', dn, 'unused-password');
    await ctl('set_permissions', '--', dn, '.*', '.*', '.*');
    const conn = await external();
    await conn.close();
    const users = await ctl('list_users', '--no-table-headers');
    assert.ok(users.includes(dn), 'the user exists under the name the adapter wrote');
  });
});
