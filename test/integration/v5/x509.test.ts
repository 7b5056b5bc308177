import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import type * as tls from 'node:tls';
import mqtt from 'mqtt';
import { startAdapter, uniqueId } from '../helpers/adapter';
import { deleteUser, rabbitmqctl, setPermissions, setTopicPermissions } from '../helpers/rabbit';
import { createPki, tlsEnv, type KeyPair, type Pki } from '../helpers/tls';
import { derivedPassword } from '../../../adapter/src/auth/cert-identity';
import type { Adapter } from '../../../adapter/src/server';
import { V5 } from './support';
import { until, within } from '../helpers/wait';
import { onCleanup } from '../helpers/cleanup';
import { useCleanup } from '../helpers/suite';
import { RawMqtt } from '../helpers/raw-mqtt';

/**
 * x509 client-certificate login (docs/x509-login.md) with certificates made
 * by openssl for this run: the certificate's CN (or SAN) is the RabbitMQ user,
 * logged in with the password derived from the adapter's secret, so RabbitMQ
 * still decides whether the user exists and what it may do.
 */
describe('MQTT 5 x509 client-certificate login (issue 6)', function () {
  let pki: Pki;
  const secret = randomBytes(24).toString('hex');
  const users = new Set<string>();

  /** A RabbitMQ user provisioned for certificate login, with topic rights below v5.x509.<user>. */
  async function certUser(name = uniqueId('x509')): Promise<string> {
    users.add(name);
    // `--`: a derived password may begin with `-` (docs/x509-login.md).
    await rabbitmqctl('add_user', '--', name, derivedPassword(secret, '/', name));
    await setPermissions(name);
    const mine = `^v5\\.x509\\.${name}(\\..*)?$`;
    await setTopicPermissions(name, 'amq.topic', mine, mine);
    return name;
  }

  const tlsOf = (pair: KeyPair | undefined): tls.ConnectionOptions => ({
    ca: pki.ca,
    servername: 'localhost',
    ...(pair ? { cert: pair.cert, key: pair.key } : {}),
  });

  /** mqtt.js over TLS presenting `pair`, with no username or password of its own. */
  const connectWith = (port: number, pair: KeyPair, protocolVersion: 4 | 5 = 5): Promise<V5> =>
    V5.connect(port, {
      protocol: 'mqtts',
      host: 'localhost',
      protocolVersion,
      username: undefined,
      password: undefined,
      ca: pki.ca,
      cert: pair.cert,
      key: pair.key,
    });

  /** Whether mqtt.js presenting `pair` (or no certificate) is turned away before any CONNACK. */
  const refusedBeforeConnack = (port: number, pair?: KeyPair): Promise<boolean> =>
    within(
      new Promise<boolean>((resolve) => {
        const client = mqtt.connect({
          protocol: 'mqtts',
          host: 'localhost',
          port,
          protocolVersion: 5,
          ca: pki.ca,
          ...(pair ? { cert: pair.cert, key: pair.key } : {}),
          reconnectPeriod: 0,
          connectTimeout: 5000,
        });
        onCleanup(() => void client.end(true));
        client.once('connect', () => resolve(false));
        client.once('error', () => resolve(true));
        client.once('close', () => resolve(true));
      }),
      8000,
      'TLS refusal',
    );

  /** A RabbitMQ user for certificate login with every permission on `/` (its name may hold any character). */
  async function plainCertUser(name: string): Promise<string> {
    users.add(name);
    await rabbitmqctl('add_user', '--', name, derivedPassword(secret, '/', name));
    await setPermissions(name);
    return name;
  }

  /** A QoS 1 round trip through the adapter on a topic of this run. */
  async function roundTrip(c: V5, label: string): Promise<void> {
    const topic = `v5/x509/${uniqueId(label)}`;
    assert.deepEqual(await c.subscribe(topic, { qos: 1 }), [1]);
    await c.publish(topic, label, { qos: 1 });
    await c.waitFor(label);
  }

  /** An adapter with certificate login for the enclosing describe, started before its tests and stopped after; its TLS port. */
  function certLoginAdapter(login: Record<string, string>): () => number {
    let adapter: Adapter | undefined;
    before(async function () {
      adapter = await startAdapter({
        ...tlsEnv(pki),
        MQTT_ADAPTER_TLS_CLIENT_CERT: 'required',
        MQTT_ADAPTER_CERT_LOGIN_SECRET: secret,
        ...login,
      });
    });
    after(async function () {
      await adapter?.stop();
    });
    return () => adapter?.ports.tls as number;
  }

  before(async function () {
    pki = await createPki();
  });
  after(async function () {
    this.timeout(60_000);
    try {
      await Promise.all([...users].map((u) => deleteUser(u)));
    } finally {
      await pki?.remove();
    }
  });
  useCleanup();

  describe('CN login', function () {
    let adapter: Adapter;
    before(async function () {
      adapter = await startAdapter({
        ...tlsEnv(pki),
        MQTT_ADAPTER_TLS_CLIENT_CERT: 'required',
        MQTT_ADAPTER_TLS_CERT_LOGIN: 'cn',
        MQTT_ADAPTER_CERT_LOGIN_SECRET: secret,
        MQTT_ADAPTER_WS_ENABLED: 'true',
        MQTT_ADAPTER_WS_PORT: '0',
      });
    });
    after(async function () {
      await adapter?.stop();
    });

    it('logs a client in as the user its certificate names, and it publishes and subscribes', async function () {
      const user = await certUser();
      const pair = await pki.client(user, { cn: user });
      const c = await connectWith(adapter.ports.tls as number, pair);
      assert.equal(c.connack?.reasonCode, 0);
      const topic = `v5/x509/${user}/hello`;
      assert.deepEqual(await c.subscribe(topic, { qos: 1 }), [1]);
      await c.publish(topic, 'signed', { qos: 1 });
      await c.waitFor('signed');
    });

    it('logs in by certificate over wss:// as well', async function () {
      const user = await certUser();
      const pair = await pki.client(`wss-${user}`, { cn: user });
      const c = await V5.connectUrl(`wss://localhost:${adapter.ports.ws}/mqtt`, {
        username: undefined,
        password: undefined,
        ca: pki.ca,
        cert: pair.cert,
        key: pair.key,
      });
      const topic = `v5/x509/${user}/ws`;
      await c.subscribe(topic, { qos: 1 });
      await c.publish(topic, 'signed-ws', { qos: 1 });
      await c.waitFor('signed-ws');
      await assert.rejects(
        V5.connectUrl(`wss://localhost:${adapter.ports.ws}/mqtt`, { ca: pki.ca }),
        'no certificate, no WebSocket',
      );
    });

    it('enforces the topic permissions RabbitMQ gives the certificate user', async function () {
      const user = await certUser();
      const pair = await pki.client(user, { cn: user });
      const { client: c, connack } = await RawMqtt.connect5(
        adapter.ports.tls as number,
        { username: undefined, password: undefined },
        tlsOf(pair),
      );
      assert.equal(connack.reasonCode, 0);
      c.send({
        cmd: 'subscribe',
        messageId: 1,
        subscriptions: [
          { topic: `v5/x509/${user}/mine`, qos: 1 },
          { topic: `v5/x509/someone-else/theirs`, qos: 1 },
        ],
      });
      assert.deepEqual((await c.nextOf('suback')).granted, [1, 0x87]);
      c.send({
        cmd: 'publish',
        topic: 'v5/x509/someone-else/theirs',
        payload: Buffer.from('no'),
        qos: 1,
        retain: false,
        dup: false,
        messageId: 2,
      });
      assert.equal((await c.nextOf('puback')).reasonCode, 0x87);
    });

    it('refuses a certificate whose user does not exist in RabbitMQ: CONNACK 0x86 (v5) and 0x04 (v3.1.1)', async function () {
      const ghost = uniqueId('x509-ghost');
      const pair = await pki.client(ghost, { cn: ghost });
      const { client: c, connack } = await RawMqtt.connect5(
        adapter.ports.tls as number,
        { username: undefined, password: undefined },
        tlsOf(pair),
      );
      assert.equal(connack.reasonCode, 0x86);
      await c.serverClose();
      await assert.rejects(
        connectWith(adapter.ports.tls as number, pair, 4),
        (err: Error & { code?: number }) => {
          assert.equal(err.code, 4, err.message);
          return true;
        },
      );
    });

    it('refuses the next login of a user deleted from RabbitMQ (revocation)', async function () {
      const user = await certUser();
      const pair = await pki.client(user, { cn: user });
      const before = await connectWith(adapter.ports.tls as number, pair);
      await before.end();
      await deleteUser(user);
      // RabbitMQ closes the user's connections as it deletes it; a login racing that close may still
      // ride the pooled connection for a few milliseconds, so the refusal is awaited, bounded.
      let last: number | undefined;
      await until(
        async () => {
          const { client: c, connack } = await RawMqtt.connect5(
            adapter.ports.tls as number,
            { username: undefined, password: undefined },
            tlsOf(pair),
          );
          c.socket.destroy();
          last = connack.reasonCode;
          return last === 0x86;
        },
        'the deleted user refused',
        5000,
      );
      assert.equal(last, 0x86);
    });

    it('refuses a connection without a client certificate during the TLS handshake', async function () {
      assert.equal(await refusedBeforeConnack(adapter.ports.tls as number), true);
    });

    it('refuses a client certificate from another CA', async function () {
      const other = await createPki();
      onCleanup(() => other.remove());
      const user = await certUser();
      const pair = await other.client(user, { cn: user });
      await assert.rejects(RawMqtt.connect5(adapter.ports.tls as number, {}, tlsOf(pair)));
    });
  });

  describe('SAN login', function () {
    const tlsPort = certLoginAdapter({ MQTT_ADAPTER_TLS_CERT_LOGIN: 'san' });

    it("logs in as the certificate's first subject alternative name, not its CN", async function () {
      const user = await certUser();
      const pair = await pki.client(`san-${user}`, { cn: 'not-the-user', san: `DNS:${user}` });
      const c = await connectWith(tlsPort(), pair);
      const topic = `v5/x509/${user}/san`;
      await c.subscribe(topic, { qos: 1 });
      await c.publish(topic, 'by-san', { qos: 1 });
      await c.waitFor('by-san');
    });
  });

  describe('DN login (ssl_cert_login_from = distinguished_name)', function () {
    const tlsPort = certLoginAdapter({ MQTT_ADAPTER_TLS_CERT_LOGIN: 'dn' });

    it('logs in as the whole subject DN, written last RDN first as RabbitMQ writes it', async function () {
      const id = uniqueId('dn');
      // Written out by hand from RabbitMQ's rules: RDNs reversed, `,` without spaces, `\,` in a value.
      await plainCertUser(`CN=${id},OU=Sensors+UID=u1,O=Acme\\, Inc.,C=GB`);
      const pair = await pki.client(id, { subject: `/C=GB/O=Acme, Inc./OU=Sensors+UID=u1/CN=${id}` });
      const c = await connectWith(tlsPort(), pair);
      assert.equal(c.connack?.reasonCode, 0);
      await roundTrip(c, 'by-dn');
    });

    it('refuses a certificate with an empty subject before any CONNACK', async function () {
      const pair = await pki.client('empty-subject', { subject: '/', san: 'DNS:empty.example' });
      assert.equal(await refusedBeforeConnack(tlsPort(), pair), true);
    });
  });

  describe('other_name login (ssl_cert_login_san_type = other_name)', function () {
    const tlsPort = certLoginAdapter({
      MQTT_ADAPTER_TLS_CERT_LOGIN: 'san',
      MQTT_ADAPTER_TLS_CERT_LOGIN_SAN_TYPE: 'other_name',
      MQTT_ADAPTER_TLS_CERT_LOGIN_SAN_INDEX: '1',
    });

    const UPN = '1.3.6.1.4.1.311.20.2.3';

    it('logs in as the second otherName (a UPN), past a DNS name and a first otherName', async function () {
      const user = await plainCertUser(`${uniqueId('upn')}@corp.example`);
      const pair = await pki.client(uniqueId('upn'), {
        cn: 'not-the-user',
        altNames: [
          `DNS.1=${user}.dns`,
          `otherName.1=${UPN};UTF8:first@corp.example`,
          `otherName.2=${UPN};UTF8:${user}`,
        ],
      });
      const c = await connectWith(tlsPort(), pair);
      assert.equal(c.connack?.reasonCode, 0);
      await roundTrip(c, 'by-upn');
    });

    it('refuses, before any CONNACK, a certificate whose second otherName is missing or of an undecoded form', async function () {
      const user = await plainCertUser(`${uniqueId('upn')}@corp.example`);
      const onlyOne = await pki.client(uniqueId('upn1'), {
        cn: user,
        altNames: [`DNS.1=${user}`, `otherName.1=${UPN};UTF8:${user}`],
      });
      assert.equal(await refusedBeforeConnack(tlsPort(), onlyOne), true, 'one otherName');
      const undecoded = await pki.client(uniqueId('upn2'), {
        cn: user,
        altNames: [`otherName.1=${UPN};UTF8:${user}`, `otherName.2=1.2.3.4;UTF8:${user}`],
      });
      assert.equal(await refusedBeforeConnack(tlsPort(), undecoded), true, 'undecoded form');
    });
  });
});
