import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GUEST, uniqueId } from '../helpers/adapter';
import { until } from '../helpers/wait';
import { useAdapter } from '../helpers/suite';
import { RawMqtt } from '../helpers/raw-mqtt';
import { Mqtt } from '../helpers/mqttjs';
import { httpGet } from '../helpers/clients';

const run = promisify(execFile);
/** Nothing listens on port 1 of the loopback (it is privileged, and no test binds it). */
const CLOSED_PORT = 1;
const rabbitmqctl = (...args: string[]) => run('rabbitmqctl', ['-q', ...args], { timeout: 30_000 });

/** CONNECT by hand as guest: protocol name, level, client id and clean flag as given, keepalive 60. */
function connectBytes(protocolName: string, level: number, clientId: string, clean = true): Buffer {
  const str = (s: string): Buffer => Buffer.concat([Buffer.from([0, Buffer.byteLength(s)]), Buffer.from(s)]);
  const flags = 0xc0 | (clean ? 0x02 : 0x00);
  const body = Buffer.concat([
    str(protocolName),
    Buffer.from([level, flags, 0x00, 0x3c]),
    str(clientId),
    str(GUEST.username),
    str(GUEST.password),
  ]);
  return Buffer.concat([Buffer.from([0x10, body.length]), body]);
}

describe('protocol: CONNECT and CONNACK return codes', function () {
  const suite = useAdapter();

  /** CONNECTs over a raw socket and returns the CONNACK code; a refusal must also close the connection. */
  async function connackFor(fields: Parameters<typeof RawMqtt.connect>[1]): Promise<number> {
    const { client: c, connack } = await RawMqtt.connect(suite.port, fields);
    const returnCode = connack.returnCode ?? -1;
    if (returnCode !== 0) await c.waitClosed();
    else assert.equal(c.isClosed, false);
    return returnCode;
  }

  it('accepts protocol level 4 (MQTT 3.1.1) from mqtt.js', async () => {
    const topic = `connect/v4/${uniqueId()}`;
    const c = await Mqtt.connect(suite.port, { protocolVersion: 4 });
    await c.subscribe(topic, 1);
    await c.publish(topic, 'v4', 1);
    assert.equal((await c.waitFor('v4', topic)).qos, 1);
  });

  it('accepts protocol level 3 (MQIsdp, MQTT 3.1) from mqtt.js and a raw CONNECT', async () => {
    const topic = `connect/v3/${uniqueId()}`;
    const c = await Mqtt.connect(suite.port, { protocolId: 'MQIsdp', protocolVersion: 3 });
    await c.subscribe(topic, 1);
    await c.publish(topic, 'v3', 1);
    await c.waitFor('v3', topic);
    const raw = await RawMqtt.open(suite.port);
    raw.write(connectBytes('MQIsdp', 3, uniqueId()));
    assert.equal((await raw.nextOf('connack')).returnCode, 0x00);
  });

  it('leaves the reserved CONNACK byte of MQTT 3.1 at 0, even for a resumed session', async () => {
    const clientId = uniqueId();
    for (const clean of [false, false, true]) {
      const raw = await RawMqtt.open(suite.port);
      raw.write(connectBytes('MQIsdp', 3, clientId, clean));
      const { returnCode, sessionPresent } = await raw.nextOf('connack');
      assert.deepEqual({ returnCode, sessionPresent }, { returnCode: 0x00, sessionPresent: false });
      raw.send({ cmd: 'disconnect' });
      await raw.waitClosed();
    }
  });

  it('answers an unsupported protocol level with 0x01 and closes [MQTT-3.1.2-2]', async () => {
    for (const level of [2, 6, 0x7f]) {
      const raw = await RawMqtt.open(suite.port);
      raw.write(connectBytes('MQTT', level, uniqueId()));
      assert.equal((await raw.nextOf('connack')).returnCode, 0x01, `level ${level}`);
      await raw.waitClosed();
    }
  });

  it('answers a protocol name that does not fit the level with 0x01', async () => {
    assert.equal(await connackFor({ clientId: uniqueId(), protocolId: 'MQIsdp', protocolVersion: 4 }), 0x01);
    assert.equal(await connackFor({ clientId: uniqueId(), protocolId: 'MQTT', protocolVersion: 3 }), 0x01);
  });

  it('refuses an empty client id without a clean session with 0x02 [MQTT-3.1.3-8]', async () => {
    // mqtt-packet will not encode this CONNECT, so it is written by hand.
    const raw = await RawMqtt.open(suite.port);
    raw.write(connectBytes('MQTT', 4, '', false));
    assert.equal((await raw.nextOf('connack')).returnCode, 0x02);
    await raw.waitClosed();
  });

  it('assigns an id to an empty client id with a clean session [MQTT-3.1.3-6]', async () => {
    const { client: c, connack } = await RawMqtt.connect(suite.port, { clientId: '', clean: true });
    assert.equal(connack.returnCode, 0x00);
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: `anon/${uniqueId()}`, qos: 1 }] });
    const suback = await c.next();
    assert.equal(suback.cmd, 'suback');
    assert.deepEqual(suback.cmd === 'suback' && suback.granted, [1]);
  });

  it('refuses a bad password with 0x04', async () => {
    assert.equal(
      await connackFor({
        clientId: uniqueId(),
        username: 'guest',
        password: Buffer.from('not-the-password'),
      }),
      0x04,
    );
    assert.equal(
      await connackFor({
        clientId: uniqueId(),
        username: `nobody-${uniqueId()}`,
        password: Buffer.from('x'),
      }),
      0x04,
    );
  });

  it('refuses an anonymous client with 0x05 when no default user is set', async () => {
    assert.equal(await connackFor({ clientId: uniqueId(), username: undefined, password: undefined }), 0x05);
  });

  it('takes `vhost:user` usernames (`/:guest`)', async () => {
    assert.equal(
      await connackFor({ clientId: uniqueId(), username: '/:guest', password: Buffer.from('guest') }),
      0x00,
    );
  });

  it('refuses a virtual host that does not exist with 0x05', async () => {
    const username = `no-such-vhost-${uniqueId()}:guest`;
    assert.equal(await connackFor({ clientId: uniqueId(), username, password: Buffer.from('guest') }), 0x05);
  });

  it('refuses a virtual host name longer than AMQP carries (255 bytes) with 0x05, and the next client still gets in', async () => {
    const username = `${'v'.repeat(256)}:guest`;
    assert.equal(await connackFor({ clientId: uniqueId(), username, password: Buffer.from('guest') }), 0x05);
    assert.equal(
      await connackFor({ clientId: uniqueId(), username: 'guest', password: Buffer.from('guest') }),
      0x00,
    );
  });

  describe('a virtual host the user has no permissions on', () => {
    const vhost = uniqueId('vhost');
    before(async function () {
      this.timeout(60_000);
      await rabbitmqctl('add_vhost', vhost);
    });
    after(async function () {
      this.timeout(60_000);
      await rabbitmqctl('delete_vhost', vhost);
    });

    it('refuses it with 0x05', async () => {
      const username = `${vhost}:guest`;
      assert.equal(
        await connackFor({ clientId: uniqueId(), username, password: Buffer.from('guest') }),
        0x05,
      );
    });
  });
});

describe('protocol: session present', () => {
  const suite = useAdapter();

  /** CONNECT, read CONNACK, DISCONNECT. */
  async function connectOnce(
    clientId: string,
    clean: boolean,
  ): Promise<{ returnCode: number; sessionPresent: boolean }> {
    const { client: c, connack } = await RawMqtt.connect(suite.port, { clientId, clean });
    c.send({ cmd: 'disconnect' });
    await c.waitClosed();
    return { returnCode: connack.returnCode ?? -1, sessionPresent: connack.sessionPresent };
  }

  it('sets session present only when a persistent session is resumed [MQTT-3.2.2-1] [MQTT-3.2.2-2]', async () => {
    const clientId = uniqueId();
    assert.deepEqual(await connectOnce(clientId, false), { returnCode: 0, sessionPresent: false });
    assert.deepEqual(await connectOnce(clientId, false), { returnCode: 0, sessionPresent: true });
    // A clean session discards the stored one, and never reports one present.
    assert.deepEqual(await connectOnce(clientId, true), { returnCode: 0, sessionPresent: false });
    assert.deepEqual(await connectOnce(clientId, false), { returnCode: 0, sessionPresent: false });
    await connectOnce(clientId, true);
  });
});

describe('protocol: the connection limit', () => {
  // An adapter of its own: a session's slot is freed only once it has closed, a moment after its socket.
  const suite = useAdapter({ MQTT_ADAPTER_MAX_CONNECTIONS: '2' });

  it('answers 0x03 beyond MQTT_ADAPTER_MAX_CONNECTIONS, and accepts again once a client has left', async () => {
    const first = await Mqtt.connect(suite.port);
    await Mqtt.connect(suite.port);
    const { connack } = await RawMqtt.connect(suite.port, { clientId: uniqueId() });
    assert.equal(connack.returnCode, 0x03);
    await first.end();
    await until(async () => {
      const { connack } = await RawMqtt.connect(suite.port, { clientId: uniqueId() });
      return connack.returnCode === 0x00;
    }, 'a connection accepted again');
  });
});

describe('protocol: the default user', () => {
  const suite = useAdapter({
    MQTT_ADAPTER_DEFAULT_USER: GUEST.username,
    MQTT_ADAPTER_DEFAULT_PASSWORD: GUEST.password,
  });

  it('lets a client without credentials in as the default user', async () => {
    const topic = `anon/${uniqueId()}`;
    const anonymous = await Mqtt.connect(suite.port, { username: undefined, password: undefined });
    const sub = await Mqtt.connect(suite.port);
    await sub.subscribe(topic, 1);
    await anonymous.publish(topic, 'from anonymous', 1);
    await sub.waitFor('from anonymous', topic);
  });

  it('still checks a client that does send credentials', async () => {
    const { connack } = await RawMqtt.connect(suite.port, {
      clientId: uniqueId(),
      username: 'guest',
      password: Buffer.from('wrong'),
    });
    assert.equal(connack.returnCode, 0x04);
  });
});

describe('protocol: RabbitMQ down', () => {
  const suite = useAdapter({ MQTT_ADAPTER_AMQP_URL: `amqp://127.0.0.1:${CLOSED_PORT}` });

  it('answers CONNECT with 0x03 (server unavailable) and closes', async () => {
    const { client: raw, connack } = await RawMqtt.connect(suite.port, { clientId: uniqueId() });
    assert.equal(connack.returnCode, 0x03);
    await raw.waitClosed();
  });

  it('reports not ready on /readyz while /healthz stays up', async () => {
    const ready = await httpGet(suite.adapter.ports.http, '/readyz');
    assert.equal(ready.status, 503);
    assert.match(ready.body, /RabbitMQ is not reachable/);
    assert.equal((await httpGet(suite.adapter.ports.http, '/healthz')).status, 200);
  });
});

describe('protocol: one of two RabbitMQ addresses down', () => {
  const suite = useAdapter({
    MQTT_ADAPTER_AMQP_URL: `amqp://127.0.0.1:${CLOSED_PORT},amqp://127.0.0.1:5672`,
  });

  it('logs clients in through the node that answers', async () => {
    const { client: raw, connack } = await RawMqtt.connect(suite.port, { clientId: uniqueId() });
    assert.equal(connack.returnCode, 0);
    await raw.destroy();
  });

  it('is ready while one node answers', async () => {
    assert.equal((await httpGet(suite.adapter.ports.http, '/readyz')).status, 200);
  });
});
