import { strict as assert } from 'node:assert';
import { sharedQueueName } from '../../../adapter/src/session/shared';
import { uniqueId } from '../helpers/adapter';
import { AmqpClient, deleteQueues } from '../helpers/rabbit';
import { useAdapter } from '../helpers/suite';
import { Mqtt } from '../helpers/mqttjs';
import { RawMqtt } from '../helpers/raw-mqtt';

const SUBACK_FAILURE = 128;

/** A raw client: mqtt.js and the other client libraries refuse `#` before the last level themselves. */
async function rawSubscriber(port: number, filter: string, qos: 0 | 1): Promise<RawMqtt> {
  const { client } = await RawMqtt.connect(port, { clientId: uniqueId('aw') });
  assert.deepEqual(await client.subscribe([{ topic: filter, qos }]), [qos]);
  return client;
}

/** The topics (and retain flags) of the next `n` PUBLISHes, acknowledged, then checks nothing more comes. */
async function receive(sub: RawMqtt, n: number): Promise<{ topic: string; retain: boolean }[]> {
  const got = await sub.publishes(n);
  for (const p of got) if (p.qos === 1) sub.puback(p.messageId as number);
  // Whatever else was routed to it was published before the last expected message, on one connection.
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(
    sub.pendingPublishes.map((p) => p.topic),
    [],
    'nothing else arrives',
  );
  return got.map((p) => ({ topic: p.topic, retain: p.retain }));
}

/** Publishes one message to each topic, named after it, and returns the topics. */
async function publishEach(pub: Mqtt, topics: string[], qos: 0 | 1): Promise<void> {
  for (const t of topics) await pub.publish(t, `to ${t}`, qos);
}

/**
 * MQTT_ADAPTER_AMQP_WILDCARDS: `#` may fill any level of a filter and spans
 * zero or more levels, as AMQP's `#` does, for plain and shared subscriptions,
 * retained lookups and messages AMQP clients publish.
 */
describe('protocol: AMQP-style wildcards (MQTT_ADAPTER_AMQP_WILDCARDS=true)', function () {
  const suite = useAdapter({ MQTT_ADAPTER_AMQP_WILDCARDS: 'true' });
  let p: string;
  beforeEach(() => (p = `aw/${uniqueId()}`));
  // A shared group's queue outlives its members, as the plugin's does.
  const groupQueues = new Set<string>();
  after(async () => {
    if (groupQueues.size > 0) await deleteQueues(groupQueues);
  });

  const matching = (): string[] => [`${p}/c`, `${p}/x/c`, `${p}/x/y/c`];
  const notMatching = (): string[] => [`${p}/x/d`, `${p}/c/x`, `${p}x/c`];

  for (const qos of [0, 1] as const) {
    it(`QoS ${qos}: \`<p>/#/c\` gets what AMQP's \`<p>.#.c\` would, and nothing else`, async () => {
      const sub = await rawSubscriber(suite.port, `${p}/#/c`, qos);
      const pub = await Mqtt.connect(suite.port);
      await publishEach(pub, [...notMatching(), ...matching()], qos);
      const got = await receive(sub, matching().length);
      assert.deepEqual(got.map((m) => m.topic).sort(), matching().sort());
    });
  }

  it('a shared subscription with `#` inside its filter', async () => {
    const group = uniqueId('g');
    groupQueues.add(sharedQueueName({ group, filter: `${p}/#/c` }));
    const sub = await rawSubscriber(suite.port, `$share/${group}/${p}/#/c`, 1);
    const pub = await Mqtt.connect(suite.port);
    await publishEach(pub, [...notMatching(), ...matching()], 1);
    const got = await receive(sub, matching().length);
    assert.deepEqual(got.map((m) => m.topic).sort(), matching().sort());
  });

  it('retained messages are looked up with it', async () => {
    const pub = await Mqtt.connect(suite.port);
    const topics = [...matching(), ...notMatching()];
    for (const t of topics) await pub.publish(t, `kept ${t}`, 1, true);
    try {
      const sub = await rawSubscriber(suite.port, `${p}/#/c`, 1);
      const got = await receive(sub, matching().length);
      assert.deepEqual(
        got.map((m) => [m.topic, m.retain]).sort(),
        matching()
          .sort()
          .map((t) => [t, true]),
      );
    } finally {
      for (const t of topics) await pub.publish(t, '', 1, true);
    }
  });

  it('an AMQP publisher reaches it through the exchange binding `<p>.#.c`', async () => {
    const sub = await rawSubscriber(suite.port, `${p}/#/c`, 1);
    const amqp = await AmqpClient.open();
    try {
      const key = `${p.replace('/', '.')}.x.y.c`;
      amqp.channel.publish('amq.topic', key, Buffer.from('from amqp'));
      await amqp.channel.waitForConfirms();
      const [got] = await receive(sub, 1);
      assert.equal(got.topic, `${p}/x/y/c`);
    } finally {
      await amqp.close();
    }
  });
});

describe('protocol: `#` before the last level without MQTT_ADAPTER_AMQP_WILDCARDS', function () {
  const suite = useAdapter();

  it('is refused as the specification says [MQTT-4.7.1-2]', async () => {
    const { client: sub } = await RawMqtt.connect(suite.port, { clientId: uniqueId('aw') });
    assert.deepEqual(await sub.subscribe([{ topic: `aw/${uniqueId()}/#/c`, qos: 1 }]), [SUBACK_FAILURE]);
    assert.equal(sub.isClosed, false, 'only the filter is refused');
  });
});
