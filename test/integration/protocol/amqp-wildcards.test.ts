import { strict as assert } from 'node:assert';
import { uniqueId } from '../helpers/adapter';
import { AmqpClient } from '../helpers/rabbit';
import { useAdapter } from '../helpers/suite';
import { Mqtt } from '../helpers/mqttjs';
import { until } from '../helpers/wait';

const SUBACK_FAILURE = 128;

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

  const matching = (): string[] => [`${p}/c`, `${p}/x/c`, `${p}/x/y/c`];
  const notMatching = (): string[] => [`${p}/x/d`, `${p}/c/x`, `${p}x/c`];

  for (const qos of [0, 1] as const) {
    it(`QoS ${qos}: \`${'<p>'}/#/c\` gets what AMQP's \`<p>.#.c\` would, and nothing else`, async () => {
      const sub = await Mqtt.connect(suite.port);
      assert.deepEqual(await sub.subscribe(`${p}/#/c`, qos), [qos]);
      const pub = await Mqtt.connect(suite.port);
      await publishEach(pub, [...notMatching(), ...matching()], qos);
      for (const t of matching()) await sub.waitFor(`to ${t}`, t);
      // The non-matching ones were published first, on one connection, so they would be here by now.
      assert.deepEqual(sub.received.map((r) => r.topic).sort(), matching().sort());
    });
  }

  it('a shared subscription with `#` inside its filter', async () => {
    const sub = await Mqtt.connect(suite.port);
    assert.deepEqual(await sub.subscribe(`$share/g${uniqueId()}/${p}/#/c`, 1), [1]);
    const pub = await Mqtt.connect(suite.port);
    await publishEach(pub, [...notMatching(), ...matching()], 1);
    for (const t of matching()) await sub.waitFor(`to ${t}`, t);
    assert.deepEqual(sub.received.map((r) => r.topic).sort(), matching().sort());
  });

  it('retained messages are looked up with it', async () => {
    const pub = await Mqtt.connect(suite.port);
    const topics = [...matching(), ...notMatching()];
    for (const t of topics) await pub.publish(t, `kept ${t}`, 1, true);
    try {
      const sub = await Mqtt.connect(suite.port);
      await sub.subscribe(`${p}/#/c`, 1);
      await until(() => sub.received.length >= matching().length, 'the retained messages', 5000);
      assert.deepEqual(
        sub.received.map((r) => [r.topic, r.retain]).sort(),
        matching()
          .sort()
          .map((t) => [t, true]),
      );
    } finally {
      for (const t of topics) await pub.publish(t, '', 1, true);
    }
  });

  it('an AMQP publisher reaches it through the exchange binding `<p>.#.c`', async () => {
    const sub = await Mqtt.connect(suite.port);
    await sub.subscribe(`${p}/#/c`, 1);
    const amqp = await AmqpClient.open();
    try {
      const key = `${p.replace('/', '.')}.x.y.c`;
      amqp.channel.publish('amq.topic', key, Buffer.from('from amqp'));
      await amqp.channel.waitForConfirms();
      const got = await sub.waitFor('from amqp');
      assert.equal(got.topic, `${p}/x/y/c`);
    } finally {
      await amqp.close();
    }
  });
});

describe('protocol: `#` before the last level without MQTT_ADAPTER_AMQP_WILDCARDS', function () {
  const suite = useAdapter();

  it('is refused as the specification says [MQTT-4.7.1-2]', async () => {
    const sub = await Mqtt.connect(suite.port);
    assert.deepEqual(await sub.subscribe(`aw/${uniqueId()}/#/c`, 1), [SUBACK_FAILURE]);
    assert.equal(sub.isClosed, false);
  });
});
