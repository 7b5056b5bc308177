import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { MAIN_JS, uniqueId } from '../helpers/adapter';
import { until } from '../helpers/wait';
import { useAdapter } from '../helpers/suite';
import { RawMqtt } from '../helpers/raw-mqtt';
import { Mqtt } from '../helpers/mqttjs';
import { httpGet, metricValue } from '../helpers/clients';

const ROOT = path.resolve(__dirname, '../../../..');

describe('protocol: /healthz, /readyz and /metrics', function () {
  // A fresh adapter, so every count below is exactly what this test did.
  const suite = useAdapter();
  const http = (): number => suite.adapter.ports.http;

  it('answers /healthz and /readyz when RabbitMQ is up, and 404 elsewhere', async () => {
    assert.deepEqual(await httpGet(http(), '/healthz'), { status: 200, body: 'ok\n' });
    assert.deepEqual(await httpGet(http(), '/readyz'), { status: 200, body: 'ready\n' });
    assert.equal((await httpGet(http(), '/nope')).status, 404);
  });

  it('exports the build it runs as mqtt_adapter_build_info, and prints it for --version', async () => {
    const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
    const text = (await httpGet(http(), '/metrics')).body;
    const labels = { version, commit, node: process.versions.node };
    assert.equal(
      metricValue(text, 'mqtt_adapter_build_info', labels),
      1,
      text.split('\n').find((l) => l.includes('build_info')),
    );
    const printed = execFileSync(process.execPath, [MAIN_JS, '--version']).toString();
    assert.equal(printed, `mqtt-adapter ${version} (commit ${commit}, Node.js ${process.versions.node})\n`);
    const help = execFileSync(process.execPath, [MAIN_JS, '--help']).toString();
    assert.match(help, /MQTT_ADAPTER_AMQP_URL {2}\(default amqp:\/\/localhost:5672\)/);
    const wrong = spawnSync(process.execPath, [MAIN_JS, '--port=1']);
    assert.equal(wrong.status, 2);
    assert.match(wrong.stderr.toString(), /unknown argument "--port=1"; try --help/);
  });

  it('counts connections, CONNECT results, packets by type and messages by QoS', async () => {
    const port = suite.port;
    const topic = `metrics/${uniqueId()}`;
    const sub = await Mqtt.connect(port);
    await sub.subscribe(topic, 1);
    const pub = await Mqtt.connect(port);
    await pub.publish(topic, 'zero', 0);
    await pub.publish(topic, 'one', 1);
    await pub.publish(topic, 'one again', 1);
    await sub.waitFor('zero');
    await sub.waitFor('one again');
    const { client: refused, connack } = await RawMqtt.connect(port, {
      clientId: uniqueId(),
      password: Buffer.from('bad'),
    });
    assert.equal(connack.returnCode, 0x04);
    await refused.waitClosed();

    let text = '';
    await until(async () => {
      text = (await httpGet(http(), '/metrics')).body;
      return metricValue(text, 'mqtt_adapter_connections', { transport: 'tcp' }) === 2;
    }, 'the refused connection leaving the gauge');
    const m = (name: string, labels: Record<string, string> = {}): number | undefined =>
      metricValue(text, `mqtt_adapter_${name}`, labels);
    assert.equal(m('connects_total', { result: 'accepted' }), 2);
    assert.equal(m('connects_total', { result: '86' }), 1, 'bad credentials, by MQTT 5 reason');
    assert.equal(m('packets_received_total', { type: 'connect' }), 3);
    assert.equal(m('packets_received_total', { type: 'subscribe' }), 1);
    assert.equal(m('packets_received_total', { type: 'publish' }), 3);
    assert.equal(m('packets_sent_total', { type: 'connack' }), 3);
    assert.equal(m('packets_sent_total', { type: 'suback' }), 1);
    assert.equal(m('packets_sent_total', { type: 'puback' }), 2);
    assert.equal(m('messages_published_total', { qos: '0' }), 1);
    assert.equal(m('messages_published_total', { qos: '1' }), 2);
    assert.equal(m('messages_delivered_total', { qos: '0' }), 1);
    assert.equal(m('messages_delivered_total', { qos: '1' }), 2);
    assert.ok((m('received_bytes_total') ?? 0) > 0);
    assert.ok((m('sent_bytes_total') ?? 0) > 0);
    assert.ok((m('amqp_connections') ?? 0) >= 1);
    assert.ok((m('amqp_channels') ?? 0) >= 1);
    assert.ok((m('amqp_confirm_seconds_count') ?? 0) >= 2, 'confirm latency observed');
    assert.match(text, /# TYPE mqtt_adapter_qos0_dropped_total counter/);
  });
});
