import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { derivedPassword } from '../../../adapter/src/auth/cert-identity';
import type { Adapter } from '../../../adapter/src/server';
import { freePort } from '../../e2e/harness/net';
import { v1Header } from '../../support/proxy-header';
import { startAdapter, uniqueId } from '../helpers/adapter';
import { connectPacket, RawMqtt } from '../helpers/raw-mqtt';
import {
  addVhost,
  AmqpClient,
  amqpUrl,
  deleteUser,
  deleteVhost,
  rabbitmqctl,
  setPermissions,
} from '../helpers/rabbit';
import { useCleanup } from '../helpers/suite';
import { createPki, tlsEnv, type Pki } from '../helpers/tls';
import { delay } from '../helpers/wait';
import { routingKey, uniqueTopic, V5 } from '../v5/support';

/**
 * Tenancy as RabbitMQ's MQTT plugin has it: a client whose username names no
 * vhost lands in the vhost its certificate identity maps to
 * (MQTT_ADAPTER_VHOST_BY_CERTIFICATE), else the one its listener port maps to
 * (MQTT_ADAPTER_VHOST_BY_PORT), else the default; `vhost:user` always wins.
 * Where a client landed is read from what reaches it: an AMQP publish in the
 * other vhost first, then one in the expected vhost, and only the latter arrives.
 */
describe('tenancy: vhost by listener port and by client certificate', function () {
  const A = uniqueId('mqtt-tenant-a');
  const B = uniqueId('mqtt-tenant-b');
  const amqpIn: Record<string, AmqpClient> = {};
  const users = new Set<string>();
  const secret = randomBytes(24).toString('hex');
  let pki: Pki;

  before(async function () {
    this.timeout(60_000);
    await addVhost(A);
    await addVhost(B);
    amqpIn[A] = await AmqpClient.open(amqpUrl(A));
    amqpIn[B] = await AmqpClient.open(amqpUrl(B));
    pki = await createPki();
  });
  after(async function () {
    this.timeout(60_000);
    await Promise.all(Object.values(amqpIn).map((c) => c.close()));
    await Promise.all([...users].map((u) => deleteUser(u)));
    await deleteVhost(A);
    await deleteVhost(B);
    await pki?.remove();
  });
  useCleanup();

  const other = (vhost: string): string => (vhost === A ? B : A);

  /** Publishes to `topic` in the other vhost, then in `vhost`; `received` must end with only the latter. */
  async function assertLandedIn(
    vhost: string,
    topic: string,
    received: () => string[],
    arrived: (payload: string) => Promise<unknown>,
  ): Promise<void> {
    const right = `in-${vhost}`;
    await amqpIn[other(vhost)].publish(routingKey(topic), `in-${other(vhost)}`);
    await amqpIn[vhost].publish(routingKey(topic), right);
    await arrived(right);
    // The other vhost's message was routed before its confirm, so it would have come by now.
    await delay(100);
    assert.deepEqual(received(), [right]);
  }

  /** An mqtt.js subscriber at `port`: asserts the vhost it landed in. */
  async function assertSubscriberIn(vhost: string, client: V5): Promise<void> {
    const topic = uniqueTopic('tenant');
    await client.subscribe(topic, { qos: 0 });
    await assertLandedIn(
      vhost,
      topic,
      () => client.payloads(),
      (p) => client.waitFor(p),
    );
  }

  /** The same for a raw client. */
  async function assertRawIn(vhost: string, client: RawMqtt): Promise<void> {
    const topic = uniqueTopic('tenant-raw');
    client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 0 }] });
    assert.deepEqual((await client.nextOf('suback')).granted, [0]);
    const payloads = (): string[] => client.all('publish').map((p) => p.payload.toString());
    await assertLandedIn(vhost, topic, payloads, () => client.nextOf('publish'));
  }

  describe('MQTT_ADAPTER_VHOST_BY_PORT', function () {
    let adapter: Adapter;
    /** A port behind a proxy: no listener of the adapter's, only what PROXY headers say was dialed. */
    const dialed = 18830 + Math.floor(Math.random() * 1000);
    before(async function () {
      const [port, wsPort] = [await freePort(), await freePort()];
      adapter = await startAdapter({
        MQTT_ADAPTER_MQTT_PORT: String(port),
        MQTT_ADAPTER_WS_ENABLED: 'true',
        MQTT_ADAPTER_WS_PORT: String(wsPort),
        MQTT_ADAPTER_VHOST_BY_PORT: `${port}=${A},${dialed}=${B},${wsPort}=${B}`,
        MQTT_ADAPTER_PROXY_PROTOCOL: 'optional',
      });
    });
    after(async function () {
      await adapter?.stop();
    });

    it('puts a login without a vhost on the mapped port in that vhost (MQTT 5 and 3.1.1)', async function () {
      await assertSubscriberIn(A, await V5.connect(adapter.ports.mqtt));
      await assertSubscriberIn(A, await V5.connect(adapter.ports.mqtt, { protocolVersion: 4 }));
    });

    it('maps the WebSocket listener by its own port', async function () {
      await assertSubscriberIn(B, await V5.connectUrl(`ws://127.0.0.1:${adapter.ports.ws}/mqtt`));
    });

    it('lets a `vhost:user` username win over the port mapping', async function () {
      await assertSubscriberIn(B, await V5.connect(adapter.ports.mqtt, { username: `${B}:guest` }));
    });

    it('maps by the port a PROXY header says the client dialed', async function () {
      const proxied = await RawMqtt.open(adapter.ports.mqtt, {
        preamble: v1Header(
          { address: '203.0.113.9', port: 40000 },
          { address: '198.51.100.1', port: dialed },
        ),
      });
      proxied.send(connectPacket());
      assert.equal((await proxied.nextOf('connack', 9000)).returnCode, 0);
      await assertRawIn(B, proxied);
    });
  });

  describe('MQTT_ADAPTER_VHOST_BY_CERTIFICATE', function () {
    let adapter: Adapter;
    const mapped = uniqueId('tenant-dev');
    const unmapped = uniqueId('tenant-dev');

    /** A certificate-login user whose RabbitMQ password is the one derived for `vhost`. */
    async function certUser(name: string, vhost: string): Promise<void> {
      users.add(name);
      await rabbitmqctl('add_user', '--', name, derivedPassword(secret, vhost, name));
      await setPermissions(name, '.*', '.*', '.*', vhost);
    }

    before(async function () {
      this.timeout(30_000);
      await certUser(mapped, A);
      await certUser(unmapped, B);
      const tlsPort = await freePort();
      adapter = await startAdapter({
        ...tlsEnv(pki),
        MQTT_ADAPTER_TLS_PORT: String(tlsPort),
        MQTT_ADAPTER_TLS_CLIENT_CERT: 'required',
        MQTT_ADAPTER_TLS_CERT_LOGIN: 'cn',
        MQTT_ADAPTER_CERT_LOGIN_SECRET: secret,
        MQTT_ADAPTER_VHOST_BY_PORT: `${tlsPort}=${B}`,
        // JSON, as names with commas need it.
        MQTT_ADAPTER_VHOST_BY_CERTIFICATE: JSON.stringify({ [mapped]: A }),
      });
    });
    after(async function () {
      await adapter?.stop();
    });

    const withCertificate = async (cn: string): Promise<V5> => {
      const pair = await pki.client(`${cn}-${randomBytes(3).toString('hex')}`, { cn });
      return V5.connect(adapter.ports.tls as number, {
        protocol: 'mqtts',
        host: 'localhost',
        username: undefined,
        password: undefined,
        ca: pki.ca,
        cert: pair.cert,
        key: pair.key,
      });
    };

    it("puts a certificate identity in its mapped vhost, over the listener port's", async function () {
      await assertSubscriberIn(A, await withCertificate(mapped));
    });

    it('falls back to the port mapping for an identity the map does not name', async function () {
      await assertSubscriberIn(B, await withCertificate(unmapped));
    });
  });
});
