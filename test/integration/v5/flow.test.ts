import { strict as assert } from 'node:assert';
import { generate, type IPublishPacket } from 'mqtt-packet';
import { startAdapter, uniqueId } from '../helpers/adapter';
import { deleteQueues } from '../helpers/rabbit';
import type { Adapter } from '../../../adapter/src/server';
import { V5, uniqueTopic, queueState } from './support';
import { until } from '../helpers/wait';
import { useCleanup } from '../helpers/suite';
import { RawMqtt } from '../helpers/raw-mqtt';

/**
 * Flow limits both ways, through the real RabbitMQ: the client's Receive
 * Maximum bounds unacknowledged deliveries (the AMQP prefetch), the server's
 * bounds unacknowledged PUBLISHes; Maximum Packet Size both ways; topic
 * aliases both ways.
 */
describe('MQTT 5 Receive Maximum, Maximum Packet Size and topic aliases (issue 6)', function () {
  let adapter: Adapter;
  const queues = new Set<string>();

  before(async function () {
    adapter = await startAdapter({
      MQTT_ADAPTER_INFLIGHT_WINDOW: '4',
      MQTT_ADAPTER_MAX_PACKET_SIZE: '2048',
    });
  });
  after(async function () {
    await adapter?.stop();
    if (queues.size > 0) await deleteQueues(queues);
  });
  useCleanup();

  describe('Receive Maximum', function () {
    it("bounds unacknowledged deliveries by the client's Receive Maximum; a PUBACK lets the next one out [MQTT-3.3.4-9]", async function () {
      const clientId = uniqueId('rm');
      const queue = `mqtt-subscription-${clientId}qos1`;
      queues.add(queue);
      const topic = uniqueTopic('rm');
      const { client: c, connack } = await RawMqtt.connect5(adapter.ports.mqtt, {
        clientId,
        properties: { receiveMaximum: 2 },
      });
      assert.equal(connack.reasonCode, 0);
      c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 1 }] });
      await c.nextOf('suback');
      const pub = await V5.connect(adapter.ports.mqtt);
      for (let i = 0; i < 6; i++) await pub.publish(topic, `m${i}`, { qos: 1 });
      // RabbitMQ holds back what the prefetch does not let through: 2 out, 4 waiting.
      await until(async () => {
        const q = await queueState(queue);
        return q?.unacked === 2 && q.ready === 4;
      }, 'two unacked and four ready in the client queue');
      const first = await c.nextOf('publish');
      const second = await c.nextOf('publish');
      assert.deepEqual([first.payload.toString(), second.payload.toString()], ['m0', 'm1']);
      assert.equal(c.all('publish').length, 2, 'no more than Receive Maximum in flight');
      c.send({ cmd: 'puback', messageId: first.messageId as number });
      const third = await c.nextOf('publish');
      assert.equal(third.payload.toString(), 'm2');
      await until(async () => (await queueState(queue))?.ready === 3, 'one more taken from the queue');
      assert.equal(c.all('publish').length, 3);
    });

    it('disconnects a client that sends more unacknowledged QoS 1 PUBLISHes than our Receive Maximum with 0x93 [MQTT-3.3.4-8]', async function () {
      const { client: c, connack } = await RawMqtt.connect5(adapter.ports.mqtt);
      const max = connack.properties?.receiveMaximum as number;
      assert.equal(max, 4);
      const topic = uniqueTopic('rmx');
      // All in one write, so they arrive before any PUBACK could have gone out: the client cannot
      // have had any of them acknowledged. (Sent one by one, PUBACKs could make room in between.)
      const packets = Array.from({ length: max + 2 }, (_, i) => ({
        cmd: 'publish' as const,
        topic,
        payload: Buffer.from(`p${i}`),
        qos: 1 as const,
        retain: false,
        dup: false,
        messageId: i + 1,
      }));
      c.write(Buffer.concat(packets.map((p) => generate(p, { protocolVersion: 5 }))));
      const { reasonCode } = await c.serverClose();
      assert.equal(reasonCode, 0x93);
    });
  });

  describe('Maximum Packet Size', function () {
    it("does not deliver a message larger than the client's Maximum Packet Size, and delivers smaller ones [MQTT-3.1.2-25]", async function () {
      const topic = uniqueTopic('mps');
      const clientId = uniqueId('mps');
      queues.add(`mqtt-subscription-${clientId}qos1`);
      const sub = await V5.connect(adapter.ports.mqtt, {
        clientId,
        properties: { maximumPacketSize: 300 },
      });
      await sub.subscribe(topic, { qos: 1 });
      const pub = await V5.connect(adapter.ports.mqtt);
      await pub.publish(topic, 'x'.repeat(600), { qos: 1 });
      await pub.publish(topic, 'small', { qos: 1 });
      await pub.publish(topic, 'y'.repeat(600), { qos: 0 });
      await pub.publish(topic, 'small-again', { qos: 0 });
      await sub.waitFor('small-again');
      assert.deepEqual(sub.payloads(), ['small', 'small-again']);
      // The oversized QoS 1 message is discarded as if acknowledged, not redelivered in a loop.
      const q = await queueState(`mqtt-subscription-${clientId}qos1`);
      assert.equal(q?.unacked, 0);
      assert.equal(q?.ready, 0);
    });

    it("disconnects a client that sends a packet above the server's Maximum Packet Size with 0x95 [MQTT-3.2.2-15]", async function () {
      const { client: c, connack } = await RawMqtt.connect5(adapter.ports.mqtt);
      assert.equal(connack.properties?.maximumPacketSize, 2048);
      c.send({
        cmd: 'publish',
        topic: uniqueTopic('big'),
        payload: Buffer.alloc(4096, 0x61),
        qos: 1,
        retain: false,
        dup: false,
        messageId: 1,
      });
      const { reasonCode } = await c.serverClose();
      assert.equal(reasonCode, 0x95);
    });
  });

  describe('topic aliases', function () {
    const aliased = (topic: string, alias: number, payload: string, messageId: number): IPublishPacket => ({
      cmd: 'publish',
      topic,
      payload: Buffer.from(payload),
      qos: 1,
      retain: false,
      dup: false,
      messageId,
      properties: { topicAlias: alias },
    });

    it('honours a topic alias the client sets, then uses alone [MQTT-3.3.2-12]', async function () {
      const topic = uniqueTopic('alias-in');
      const sub = await V5.connect(adapter.ports.mqtt);
      await sub.subscribe(topic, { qos: 1 });
      const { client: c } = await RawMqtt.connect5(adapter.ports.mqtt);
      c.send(aliased(topic, 3, 'with-topic', 1));
      assert.equal((await c.nextOf('puback')).reasonCode ?? 0, 0);
      c.send(aliased('', 3, 'alias-only', 2));
      assert.equal((await c.nextOf('puback')).reasonCode ?? 0, 0);
      const got = await sub.waitCount(2);
      assert.deepEqual(
        got.map((m) => [m.topic, m.payload.toString()]),
        [
          [topic, 'with-topic'],
          [topic, 'alias-only'],
        ],
      );
    });

    for (const [what, alias] of [
      ['0', 0],
      ['above the Topic Alias Maximum', 65535],
    ] as const) {
      it(`disconnects with 0x94 on topic alias ${what} [MQTT-3.3.2-8] [MQTT-3.3.2-9]`, async function () {
        const { client: c, connack } = await RawMqtt.connect5(adapter.ports.mqtt);
        assert.ok((connack.properties?.topicAliasMaximum ?? 0) < 65535);
        c.send(aliased(uniqueTopic('alias-bad'), alias, 'x', 1));
        const { reasonCode } = await c.serverClose();
        assert.equal(reasonCode, 0x94);
      });
    }

    it('disconnects with 0x82 on an alias used before it was set (section 3.3.4)', async function () {
      const { client: c } = await RawMqtt.connect5(adapter.ports.mqtt);
      c.send(aliased('', 5, 'x', 1));
      const { reasonCode } = await c.serverClose();
      assert.equal(reasonCode, 0x82);
    });

    it('assigns topic aliases to a client that allows them: topic and alias first, then the alias alone [MQTT-3.3.2-17]', async function () {
      const topic = uniqueTopic('alias-out');
      const { client: c } = await RawMqtt.connect5(adapter.ports.mqtt, {
        properties: { topicAliasMaximum: 4 },
      });
      c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 0 }] });
      await c.nextOf('suback');
      const pub = await V5.connect(adapter.ports.mqtt);
      await pub.publish(topic, 'one', { qos: 1 });
      await pub.publish(topic, 'two', { qos: 1 });
      const one = await c.nextOf('publish');
      const two = await c.nextOf('publish');
      const alias = one.properties?.topicAlias;
      assert.equal(one.topic, topic);
      assert.ok(
        alias !== undefined && alias >= 1 && alias <= 4,
        `alias ${alias} within the client's maximum`,
      );
      assert.equal(two.topic, '');
      assert.equal(two.properties?.topicAlias, alias);

      // mqtt.js resolves the aliases it allowed back to the topic.
      const js = await V5.connect(adapter.ports.mqtt, { properties: { topicAliasMaximum: 4 } });
      await js.subscribe(topic, { qos: 1 });
      await pub.publish(topic, 'three', { qos: 1 });
      await pub.publish(topic, 'four', { qos: 1 });
      const got = await js.waitCount(2);
      assert.deepEqual(
        got.map((m) => m.topic),
        [topic, topic],
      );
    });

    it('assigns no alias by a message too large to send: the first message that arrives carries the topic [MQTT-3.3.2-17]', async function () {
      const topic = uniqueTopic('alias-big');
      const { client: c } = await RawMqtt.connect5(adapter.ports.mqtt, {
        properties: { topicAliasMaximum: 4, maximumPacketSize: 300 },
      });
      c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 0 }] });
      await c.nextOf('suback');
      const pub = await V5.connect(adapter.ports.mqtt);
      await pub.publish(topic, 'z'.repeat(600), { qos: 1 });
      await pub.publish(topic, 'fits', { qos: 1 });
      const m = await c.nextOf('publish');
      assert.equal(m.payload.toString(), 'fits');
      assert.equal(m.topic, topic, 'the client never learned an alias from the dropped message');
    });

    it('assigns no alias to a client that announced no Topic Alias Maximum [MQTT-3.3.2-17]', async function () {
      const topic = uniqueTopic('alias-none');
      const { client: c } = await RawMqtt.connect5(adapter.ports.mqtt);
      c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 0 }] });
      await c.nextOf('suback');
      const pub = await V5.connect(adapter.ports.mqtt);
      await pub.publish(topic, 'one', { qos: 1 });
      await pub.publish(topic, 'two', { qos: 1 });
      for (const m of [await c.nextOf('publish'), await c.nextOf('publish')]) {
        assert.equal(m.topic, topic);
        assert.equal(m.properties?.topicAlias, undefined);
      }
    });
  });
});

describe('MQTT 5 Receive Maximum and retained messages (issue 6)', function () {
  let adapter: Adapter;
  before(async function () {
    adapter = await startAdapter();
  });
  after(async function () {
    await adapter?.stop();
  });
  useCleanup();

  it("sends no more retained QoS 1 messages unacknowledged than the client's Receive Maximum [MQTT-3.3.4-9]", async function () {
    const base = uniqueTopic('rm-retained');
    const pub = await V5.connect(adapter.ports.mqtt);
    const n = 5;
    for (let i = 0; i < n; i++) await pub.publish(`${base}/${i}`, `r${i}`, { qos: 1, retain: true });
    try {
      const { client: c } = await RawMqtt.connect5(adapter.ports.mqtt, { properties: { receiveMaximum: 2 } });
      c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: `${base}/#`, qos: 1 }] });
      await c.nextOf('suback');
      // A live message too, which RabbitMQ hands over at once (the queue's prefetch is 2 as well).
      await pub.publish(`${base}/live`, 'live', { qos: 1 });
      // Each PUBACK lets one more out; at no point are more than 2 unacknowledged.
      const seen = new Set<string>();
      let acked = 0;
      while (seen.size < n + 1) {
        const m = await c.nextOf('publish');
        assert.ok(
          c.all('publish').length <= acked + 2,
          `${c.all('publish').length} sent with ${acked} acknowledged`,
        );
        seen.add(m.payload.toString());
        c.send({ cmd: 'puback', messageId: m.messageId as number });
        acked++;
      }
      assert.equal(seen.size, n + 1);
    } finally {
      for (let i = 0; i < n; i++) await pub.publish(`${base}/${i}`, '', { qos: 1, retain: true });
    }
  });
});
