import { strict as assert } from 'node:assert';
import * as amqp from 'amqplib';
import { generate, type Packet } from 'mqtt-packet';
import type { Adapter } from '../../../adapter/src/server';
import { startAdapter, uniqueId } from '../helpers/adapter';
import { within } from '../helpers/wait';
import { useAdapter, useCleanup } from '../helpers/suite';
import { RawMqtt } from '../helpers/raw-mqtt';
import { Mqtt, assertServing } from '../helpers/mqttjs';

const publish = (topic: string, payload: string, qos: 0 | 1, messageId?: number): Packet => ({
  cmd: 'publish',
  topic,
  payload: Buffer.from(payload),
  qos,
  messageId,
  retain: false,
  dup: false,
});

describe('protocol: PUBLISH, SUBSCRIBE and UNSUBSCRIBE', function () {
  const suite = useAdapter();
  let prefix: string;
  beforeEach(() => (prefix = `ps/${uniqueId()}`));

  for (const qos of [0, 1] as const) {
    it(`carries a QoS ${qos} PUBLISH end to end`, async () => {
      const topic = `${prefix}/q${qos}`;
      const sub = await Mqtt.connect(suite.port);
      const pub = await Mqtt.connect(suite.port);
      assert.deepEqual(await sub.subscribe(topic, qos), [qos]);
      await pub.publish(topic, `qos ${qos}`, qos);
      const got = await sub.waitFor(`qos ${qos}`, topic);
      assert.equal(got.qos, qos);
      assert.equal(got.retain, false);
    });
  }

  it('keeps several QoS 1 publishes in flight and PUBACKs them in order [MQTT-4.6.0-2]', async () => {
    const topic = `${prefix}/many`;
    const sub = await Mqtt.connect(suite.port);
    await sub.subscribe(topic, 1);
    const { client: raw, connack } = await RawMqtt.connect(suite.port, { clientId: uniqueId() });
    assert.equal(connack.returnCode, 0);
    const n = 30;
    // All of them go out before any PUBACK can come back.
    raw.write(Buffer.concat([...Array(n).keys()].map((i) => generate(publish(topic, `m${i}`, 1, i + 1)))));
    const acks: number[] = [];
    while (acks.length < n) {
      const p = await raw.next();
      assert.equal(p.cmd, 'puback');
      acks.push(p.messageId as number);
    }
    assert.deepEqual(
      acks,
      [...Array(n).keys()].map((i) => i + 1),
    );
    await sub.waitFor(`m${n - 1}`, topic);
    assert.deepEqual(
      sub.received.map((r) => r.payload),
      [...Array(n).keys()].map((i) => `m${i}`),
    );
  });

  it('closes the connection on a wildcard in a PUBLISH topic [MQTT-3.3.2-2]', async () => {
    for (const topic of [`${prefix}/+`, `${prefix}/#`]) {
      const { client: raw, connack } = await RawMqtt.connect(suite.port, { clientId: uniqueId() });
      assert.equal(connack.returnCode, 0);
      raw.send(publish(topic, 'bad', 1, 1));
      await raw.waitClosed();
      assert.deepEqual(raw.unread, [], 'no PUBACK for an invalid topic');
    }
    await assertServing(suite.port);
  });

  it('grants or refuses each filter of one SUBSCRIBE on its own [MQTT-3.9.3-1]', async () => {
    const { client: raw, connack } = await RawMqtt.connect(suite.port, { clientId: uniqueId() });
    assert.equal(connack.returnCode, 0);
    raw.send({
      cmd: 'subscribe',
      messageId: 7,
      subscriptions: [
        { topic: `${prefix}/zero`, qos: 0 },
        { topic: `${prefix}/one`, qos: 1 },
        { topic: `${prefix}/#/bad`, qos: 1 },
        { topic: `${prefix}/two`, qos: 2 },
      ],
    });
    const suback = await raw.next();
    assert.equal(suback.cmd, 'suback');
    assert.equal(suback.messageId, 7);
    // QoS 2 is granted since 38bc936 (issue 2 asked for 1 only until QoS 2 existed).
    assert.deepEqual(suback.granted, [0, 1, 0x80, 2]);

    const pub = await Mqtt.connect(suite.port);
    for (const t of ['zero', 'one', 'two']) await pub.publish(`${prefix}/${t}`, t, 1);
    const got = [await raw.next(), await raw.next(), await raw.next()];
    const summary = got.map((p) => (p.cmd === 'publish' ? [p.topic, p.qos] : [p.cmd]));
    assert.deepEqual(summary.sort(), [
      [`${prefix}/one`, 1],
      [`${prefix}/two`, 1],
      [`${prefix}/zero`, 0],
    ]);
    assert.equal(raw.isClosed, false, 'a refused filter leaves the connection up');
  });

  it('unsubscribes several filters in one UNSUBSCRIBE', async () => {
    const sub = await Mqtt.connect(suite.port);
    await sub.subscribe({
      [`${prefix}/a`]: { qos: 1 },
      [`${prefix}/b`]: { qos: 0 },
      [`${prefix}/c`]: { qos: 1 },
    });
    await within(sub.client.unsubscribeAsync([`${prefix}/a`, `${prefix}/b`]), 5000, 'UNSUBACK');
    const pub = await Mqtt.connect(suite.port);
    await pub.publish(`${prefix}/a`, 'after-a', 1);
    await pub.publish(`${prefix}/b`, 'after-b', 0);
    await pub.publish(`${prefix}/c`, 'marker', 1);
    await sub.waitFor('marker');
    // The QoS 0 path is separate from the queue; a last QoS 0 publish to a still-held QoS 0 filter flushes it.
    await sub.subscribe(`${prefix}/d`, 0);
    await pub.publish(`${prefix}/b`, 'after-b-2', 0);
    await pub.publish(`${prefix}/d`, 'marker-0', 0);
    await sub.waitFor('marker-0');
    assert.deepEqual(
      sub.received.map((r) => r.payload),
      ['marker', 'marker-0'],
    );
  });

  it('applies a SUBSCRIBE or UNSUBSCRIBE before the PUBLISHes sent right behind it', async () => {
    const c = await Mqtt.connect(suite.port);
    // mqtt.js writes each packet at once, without waiting for SUBACK or UNSUBACK.
    void c.client.subscribeAsync(`${prefix}/a`, { qos: 1 });
    void c.client.publishAsync(`${prefix}/a`, 'behind subscribe', { qos: 1 });
    await c.waitFor('behind subscribe', `${prefix}/a`);
    // Both on the client's queue, so a copy routed by a lingering binding would come before the marker.
    await c.subscribe(`${prefix}/b`, 1);
    void c.client.unsubscribeAsync(`${prefix}/a`);
    void c.client.publishAsync(`${prefix}/a`, 'behind unsubscribe', { qos: 1 });
    void c.client.publishAsync(`${prefix}/b`, 'marker', { qos: 1 });
    await c.waitFor('marker', `${prefix}/b`);
    assert.deepEqual(
      c.received.map((r) => r.payload),
      ['behind subscribe', 'marker'],
    );
  });

  it('matches `+` to exactly one level and `#` to the parent and all below [MQTT-4.7.1-2] [MQTT-4.7.1-3]', async () => {
    const plus = await Mqtt.connect(suite.port);
    const hash = await Mqtt.connect(suite.port);
    await plus.subscribe(`${prefix}/+`, 1);
    await hash.subscribe(`${prefix}/a/#`, 1);
    const pub = await Mqtt.connect(suite.port);
    const topics = [
      `${prefix}`,
      `${prefix}/a`,
      `${prefix}/a/b`,
      `${prefix}/a/b/c`,
      `${prefix}/b`,
      `${prefix}/ab`,
      `${prefix}/`,
    ];
    for (const t of topics) await pub.publish(t, t, 1);
    await pub.publish(`${prefix}/a`, 'end', 1);
    await plus.waitFor('end');
    await hash.waitFor('end');
    assert.deepEqual(
      plus.received.map((r) => r.topic),
      [`${prefix}/a`, `${prefix}/b`, `${prefix}/ab`, `${prefix}/`, `${prefix}/a`],
    );
    assert.deepEqual(
      hash.received.map((r) => r.topic),
      [`${prefix}/a`, `${prefix}/a/b`, `${prefix}/a/b/c`, `${prefix}/a`],
    );
  });

  it('keeps dots inside a topic level (they become slashes in AMQP routing keys, and back)', async () => {
    const exact = await Mqtt.connect(suite.port);
    const plus = await Mqtt.connect(suite.port);
    await exact.subscribe(`${prefix}/a.b`, 1);
    await plus.subscribe(`${prefix}/+`, 1);
    const pub = await Mqtt.connect(suite.port);
    await pub.publish(`${prefix}/a/b`, 'two levels', 1);
    await pub.publish(`${prefix}/a.b`, 'one level', 1);
    await exact.waitFor('one level', `${prefix}/a.b`);
    await plus.waitFor('one level', `${prefix}/a.b`);
    assert.deepEqual(
      exact.received.map((r) => r.payload),
      ['one level'],
    );
    assert.deepEqual(
      plus.received.map((r) => r.payload),
      ['one level'],
    );
  });

  it('delivers a message matching overlapping subscriptions once, at the highest QoS', async () => {
    const sub = await Mqtt.connect(suite.port);
    // `+` at QoS 0 rides the pod's QoS 0 path, `#` at QoS 1 the client's queue; `p/+` is on the QoS 0 path only.
    assert.deepEqual(
      await sub.subscribe({
        [`${prefix}/o/+`]: { qos: 0 },
        [`${prefix}/o/#`]: { qos: 1 },
        [`${prefix}/o/x`]: { qos: 1 },
        [`${prefix}/p/+`]: { qos: 0 },
      }),
      [0, 1, 1, 0],
    );
    const pub = await Mqtt.connect(suite.port);
    await pub.publish(`${prefix}/o/x`, 'overlap', 1);
    await pub.publish(`${prefix}/o/m`, 'queue marker', 1);
    await pub.publish(`${prefix}/p/m`, 'qos0 marker', 0);
    await sub.waitFor('queue marker');
    await sub.waitFor('qos0 marker');
    const copies = sub.received.filter((r) => r.payload === 'overlap');
    assert.equal(copies.length, 1, `delivered ${copies.length} times`);
    assert.equal(copies[0].qos, 1);
  });
});

describe('protocol: more QoS 1 publishes in one go than the in-flight window', () => {
  const WINDOW = 4;
  const suite = useAdapter({ MQTT_ADAPTER_INFLIGHT_WINDOW: String(WINDOW) });

  it('confirms them all and keeps reading the client (its PUBACKs, its PINGREQ)', async () => {
    const topic = `window/${uniqueId()}`;
    const { client: raw, connack } = await RawMqtt.connect(suite.port, { clientId: uniqueId() });
    assert.equal(connack.returnCode, 0);
    raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 1 }] });
    assert.equal((await raw.next()).cmd, 'suback');
    const n = WINDOW * 10;
    // One write, so the adapter parses them all before the window can close.
    raw.write(Buffer.concat([...Array(n).keys()].map((i) => generate(publish(topic, `w${i}`, 1, i + 1)))));
    let acked = 0;
    const delivered: string[] = [];
    while (acked < n || delivered.length < n) {
      const p = await raw.next();
      if (p.cmd === 'puback') acked++;
      else if (p.cmd === 'publish') {
        delivered.push(p.payload.toString());
        // Each PUBACK frees a delivery slot; they can only count if the adapter still reads this socket.
        raw.send({ cmd: 'puback', messageId: p.messageId as number });
      } else assert.fail(`unexpected ${p.cmd}`);
    }
    assert.deepEqual(
      delivered,
      [...Array(n).keys()].map((i) => `w${i}`),
    );
    raw.send({ cmd: 'pingreq' });
    assert.equal((await raw.next()).cmd, 'pingresp');
  });
});

describe('protocol: what `#` and `+` subscribers get, on an exchange of their own', () => {
  // A private exchange, so the `#` subscriber sees only this test's messages.
  const exchange = uniqueId('mqtt-test-x');
  let adapter: Adapter;
  let amqpConn: amqp.ChannelModel;

  before(async () => {
    amqpConn = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
    const ch = await amqpConn.createChannel();
    await ch.assertExchange(exchange, 'topic', { durable: false });
    await ch.close();
    adapter = await startAdapter({ MQTT_ADAPTER_EXCHANGE: exchange });
  });
  after(async () => {
    await adapter?.stop();
    const ch = await amqpConn.createChannel();
    await ch.deleteExchange(exchange);
    await amqpConn.close();
  });
  useCleanup();

  for (const qos of [0, 1] as const) {
    it(`no \`$\` topics: filters starting with a wildcard do not match them [MQTT-4.7.2-1] (QoS ${qos})`, async () => {
      const port = adapter.ports.mqtt;
      const all = await Mqtt.connect(port);
      const plus = await Mqtt.connect(port);
      const sys = await Mqtt.connect(port);
      await all.subscribe('#', qos);
      await plus.subscribe('+/t', qos);
      await sys.subscribe('$SYS/#', qos);
      const pub = await Mqtt.connect(port);
      await pub.publish('$SYS/t', 'dollar', 1);
      await pub.publish('x/t', 'plain', 1);
      await sys.waitFor('dollar', '$SYS/t');
      await all.waitFor('plain', 'x/t');
      await plus.waitFor('plain', 'x/t');
      assert.deepEqual(
        all.received.map((r) => r.topic),
        ['x/t'],
      );
      assert.deepEqual(
        plus.received.map((r) => r.topic),
        ['x/t'],
      );
    });
  }

  it('never sends a PUBLISH whose topic is no valid topic name, whatever the AMQP routing key [MQTT-3.3.2-2] [MQTT-4.7.3-1]', async () => {
    const port = adapter.ports.mqtt;
    const subs = [await Mqtt.connect(port), await Mqtt.connect(port)];
    await subs[0].subscribe('#', 0);
    await subs[1].subscribe('#', 1);
    const ch = await amqpConn.createConfirmChannel();
    // Empty, with MQTT wildcards, with NUL: none of these can be an MQTT topic name.
    for (const key of ['', 'a.#', 'a.+', '+', 'x\u0000y', 'end'])
      ch.publish(exchange, key, Buffer.from(key), { deliveryMode: 2 });
    await ch.waitForConfirms();
    await ch.close();
    for (const sub of subs) {
      await sub.waitFor('end', 'end');
      assert.deepEqual(
        sub.received.map((r) => r.topic),
        ['end'],
      );
    }
  });
});
