import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import * as net from 'node:net';
import { promisify } from 'node:util';
import { MAIN_JS, adapterEnv, spawnAdapter, uniqueId, type AdapterProcess } from '../helpers/adapter';
import { closeAll } from '../helpers/cleanup';
import { useCleanup } from '../helpers/suite';
import { RawMqtt } from '../helpers/raw-mqtt';
import { Mqtt } from '../helpers/mqttjs';
import { Child } from '../helpers/clients';

const run = promisify(execFile);
const rabbitmqctl = (...args: string[]) => run('rabbitmqctl', ['-q', ...args], { timeout: 30_000 });

/** Runs main.js to its exit with these settings. */
function runMain(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Child(process.execPath, [MAIN_JS], adapterEnv(env)).finished();
}

describe('process: start-up failures (`make run`)', function () {
  let taken: net.Server;
  let takenPort: number;

  before(async () => {
    taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    takenPort = (taken.address() as net.AddressInfo).port;
  });
  after(() => new Promise((resolve) => taken.close(resolve)));
  useCleanup();

  it('exits 2 naming MQTT_ADAPTER_MQTT_PORT when the MQTT port is taken', async () => {
    const { code, stderr } = await runMain({ MQTT_ADAPTER_MQTT_PORT: String(takenPort) });
    assert.equal(code, 2);
    assert.match(stderr, new RegExp(`port ${takenPort} .*already in use; set MQTT_ADAPTER_MQTT_PORT`));
  });

  it('exits 2 naming MQTT_ADAPTER_HTTP_PORT when the HTTP port is taken', async () => {
    const { code, stderr } = await runMain({ MQTT_ADAPTER_HTTP_PORT: String(takenPort) });
    assert.equal(code, 2);
    assert.match(stderr, /MQTT_ADAPTER_HTTP_PORT/);
  });

  it('exits 2 naming each bad setting', async () => {
    const { code, stderr } = await runMain({
      MQTT_ADAPTER_MQTT_PORT: '70000',
      MQTT_ADAPTER_LOG_LEVEL: 'chatty',
    });
    assert.equal(code, 2);
    assert.match(stderr, /invalid configuration/);
    assert.match(stderr, /MQTT_ADAPTER_MQTT_PORT="70000"/);
    assert.match(stderr, /MQTT_ADAPTER_LOG_LEVEL="chatty"/);
  });

  it('exits 2 naming each bad TLS or vhost-map setting', async () => {
    const { code, stderr } = await runMain({
      MQTT_ADAPTER_TLS_CIPHERS: 'ECDHE-RSA-AES128-GCM-SHA257',
      MQTT_ADAPTER_TLS_MIN_VERSION: 'TLSv1.0',
      MQTT_ADAPTER_VHOST_BY_PORT: '1883:tenant-a',
    });
    assert.equal(code, 2);
    assert.match(stderr, /MQTT_ADAPTER_TLS_CIPHERS="ECDHE-RSA-AES128-GCM-SHA257": unknown cipher/);
    assert.match(stderr, /MQTT_ADAPTER_TLS_MIN_VERSION="TLSv1.0"/);
    assert.match(stderr, /MQTT_ADAPTER_VHOST_BY_PORT="1883:tenant-a": "1883:tenant-a" is not name=vhost/);
  });

  it('exits 2 naming MQTT_ADAPTER_AMQP_CA_FILE when it cannot be read', async () => {
    const { code, stderr } = await runMain({ MQTT_ADAPTER_AMQP_CA_FILE: '/nonexistent/rabbitmq-ca.pem' });
    assert.equal(code, 2);
    assert.match(stderr, /MQTT_ADAPTER_AMQP_CA_FILE: cannot read \/nonexistent\/rabbitmq-ca.pem/);
  });
});

describe('process: logs never hold a password or a payload', function () {
  const user = uniqueId('mqtt-log-user');
  const password = `pw-${uniqueId()}`;
  const wrongPassword = `wrong-${uniqueId()}`;
  const payloads = [
    `qos0-${uniqueId()}`,
    `qos1-${uniqueId()}`,
    `will-${uniqueId()}`,
    `retained-${uniqueId()}`,
  ];
  let adapter: AdapterProcess;
  let log = '';

  before(async function () {
    this.timeout(90_000);
    await rabbitmqctl('add_user', user, password);
    await rabbitmqctl('set_permissions', '-p', '/', user, '.*', '.*', '.*');
    adapter = await spawnAdapter({ MQTT_ADAPTER_LOG_LEVEL: 'debug' });
    const port = adapter.ports.mqtt;
    const topic = `logs/${uniqueId()}`;
    const creds = { username: user, password };

    const sub = await Mqtt.connect(port, creds);
    await sub.subscribe(`${topic}/#`, 1);
    const pub = await Mqtt.connect(port, creds);
    await pub.publish(`${topic}/a`, payloads[0], 0);
    await pub.publish(`${topic}/a`, payloads[1], 1);
    await sub.waitFor(payloads[1]);
    await pub.publish(`${topic}/r`, payloads[3], 1, true);
    await pub.publish(`${topic}/r`, '', 1, true);
    const { client: willing } = await RawMqtt.connect(port, {
      clientId: uniqueId(),
      ...creds,
      password: Buffer.from(password),
      will: { topic: `${topic}/will`, payload: Buffer.from(payloads[2]), qos: 1, retain: false },
    });
    willing.socket.destroy();
    await sub.waitFor(payloads[2]);
    const { connack } = await RawMqtt.connect(port, {
      clientId: uniqueId(),
      username: user,
      password: Buffer.from(wrongPassword),
    });
    assert.equal(connack.returnCode, 0x04);
    const garbage = await RawMqtt.open(port);
    garbage.write([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]);
    await garbage.waitClosed();
    await closeAll();
    assert.equal(await adapter.stop(), 0, 'SIGTERM drains and exits 0');
    log = adapter.output();
  });

  after(async function () {
    this.timeout(60_000);
    await adapter?.stop();
    await rabbitmqctl('delete_user', user).catch(() => undefined);
  });

  it('logged the session as pino JSON with a child logger per connection', () => {
    const lines = log.split('\n').filter((l) => l.trim() !== '');
    assert.ok(lines.length > 5, 'debug logging wrote lines');
    for (const l of lines) assert.doesNotThrow(() => JSON.parse(l), `not JSON: ${l}`);
    const connected = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((r) => r.msg === 'client connected');
    assert.ok(connected.length >= 3);
    for (const r of connected) assert.ok(typeof r.conn === 'string' && typeof r.clientId === 'string');
  });

  it('logged the bad input at warn level and the refused CONNECT', () => {
    const records = log
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { level: number; msg: string });
    assert.ok(
      records.some((r) => r.level === 40 && /protocol error/.test(r.msg)),
      'no warn line for bad input',
    );
    assert.ok(records.some((r) => r.msg === 'CONNECT refused'));
  });

  it('contains neither password nor any payload', () => {
    for (const secret of [password, wrongPassword, ...payloads]) {
      assert.ok(!log.includes(secret), `the log contains ${secret}`);
    }
  });
});
