import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as amqp from 'amqplib';
import { uniqueId } from '../helpers/adapter';
import { addVhost, amqpUrl, deleteVhost, rabbitmqctl } from '../helpers/rabbit';
import { useAdapter } from '../helpers/suite';
import { Mqtt } from '../helpers/mqttjs';
import { until } from '../helpers/wait';

const run = promisify(execFile);
const PLUGIN = 'rabbitmq_federation';
/** The adapter's exchange in both vhosts: a durable topic exchange of its own, federated by policy. */
const EXCHANGE = 'mqtt.federated';
const MESSAGES = 50;

async function pluginEnabled(): Promise<boolean> {
  const { stdout } = await run('rabbitmq-plugins', ['list', '-e', '-m', PLUGIN], { timeout: 60_000 });
  return stdout.split('\n').some((l) => l.trim() === PLUGIN);
}

async function plugin(action: 'enable' | 'disable'): Promise<void> {
  await run('rabbitmq-plugins', ['-q', action, PLUGIN], { timeout: 120_000 });
}

async function declareExchange(vhost: string): Promise<void> {
  const conn = await amqp.connect(amqpUrl(vhost));
  try {
    const ch = await conn.createChannel();
    await ch.assertExchange(EXCHANGE, 'topic', { durable: true });
  } finally {
    await conn.close();
  }
}

/**
 * Bridging by federation, as the original RabbitMQ MQTT adapter promised: the
 * adapter's exchange in vhost B is federated from the one in vhost A, so an
 * MQTT client publishing in A (`A:user` login) reaches an MQTT subscriber in B.
 * The test enables RabbitMQ's federation plugin for its run and puts the plugin
 * state back after. See docs/federation.md.
 */
describe('amqp-side: two vhosts bridged by RabbitMQ federation', function () {
  this.timeout(120_000);
  const upstream = uniqueId('fed-a');
  const downstream = uniqueId('fed-b');
  let wasEnabled = true;
  const suite = useAdapter({ MQTT_ADAPTER_EXCHANGE: EXCHANGE });

  before(async function () {
    wasEnabled = await pluginEnabled();
    if (!wasEnabled) await plugin('enable');
    await addVhost(upstream);
    await addVhost(downstream);
    await declareExchange(upstream);
    await declareExchange(downstream);
    const uri = `amqp://guest:guest@127.0.0.1:5672/${encodeURIComponent(upstream)}`;
    await rabbitmqctl(
      'set_parameter',
      '-p',
      downstream,
      'federation-upstream',
      'origin',
      JSON.stringify({ uri }),
    );
    await rabbitmqctl(
      'set_policy',
      '-p',
      downstream,
      '--apply-to',
      'exchanges',
      'mqtt-federation',
      `^${EXCHANGE.replace('.', '\\.')}$`,
      JSON.stringify({ 'federation-upstream': 'origin' }),
    );
  });

  after(async function () {
    // The downstream first: its policy owns the link that consumes from the upstream vhost.
    await deleteVhost(downstream);
    await deleteVhost(upstream);
    if (!wasEnabled) await plugin('disable');
  });

  for (const qos of [0, 1] as const) {
    it(`carries QoS ${qos} from an MQTT publisher in one vhost to a subscriber in the other`, async function () {
      const topic = `fed/${uniqueId()}`;
      const sub = await Mqtt.connect(suite.port, { username: `${downstream}:guest`, password: 'guest' });
      await sub.subscribe(topic, qos);
      const pub = await Mqtt.connect(suite.port, { username: `${upstream}:guest`, password: 'guest' });
      // The federation link carries the binding upstream asynchronously: probe until it is in place.
      let probes = 0;
      await until(
        async () => {
          await pub.publish(topic, `probe ${++probes}`, qos);
          return sub.received.length > 0;
        },
        'a message to cross the federation link',
        30_000,
      );
      for (let i = 0; i < MESSAGES; i++) await pub.publish(topic, `m${i}`, qos);
      // Counted by payload: a probe still crossing the link when the first arrived comes later.
      const numbered = (): string[] =>
        sub.received.filter((r) => r.payload.startsWith('m')).map((r) => r.payload);
      await until(() => numbered().length >= MESSAGES, `${MESSAGES} messages`, 20_000).catch(() => undefined);
      const got = numbered();
      const lost = MESSAGES - new Set(got).size;
      const duplicated = got.length - new Set(got).size;
      const report = `published ${MESSAGES}, received ${got.length}, lost ${lost}, duplicated ${duplicated}`;
      assert.equal(lost, 0, report);
      assert.equal(duplicated, 0, report);
      assert.deepEqual(
        got,
        Array.from({ length: MESSAGES }, (_, i) => `m${i}`),
        `in order: ${report}`,
      );
      assert.equal(sub.received.at(-1)?.qos, qos);
    });
  }
});
