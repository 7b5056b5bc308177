import { strict as assert } from 'node:assert';
import type { IPublishPacket } from 'mqtt-packet';
import { startAdapter, uniqueId } from '../helpers/adapter';
import { AmqpClient, deleteQueues } from '../helpers/rabbit';
import type { Adapter } from '../../../adapter/src/server';
import { V5, uniqueTopic, routingKey } from './support';
import { until } from '../helpers/wait';
import { useCleanup } from '../helpers/suite';
import { RawMqtt } from '../helpers/raw-mqtt';

const qos2 = (topic: string, payload: string, messageId: number, dup = false): IPublishPacket => ({
  cmd: 'publish',
  topic,
  payload: Buffer.from(payload),
  qos: 2,
  retain: false,
  dup,
  messageId,
});

/**
 * QoS 2 both ways through RabbitMQ: a retransmitted PUBLISH is published once,
 * PUBREL gets PUBCOMP, deliveries go PUBLISH -> PUBREC -> PUBREL -> PUBCOMP,
 * a pending PUBREL survives a reconnect, and N messages arrive exactly N times.
 */
describe('MQTT 5 QoS 2 exactly-once (issue 6)', function () {
  let adapter: Adapter;
  let amqp: AmqpClient;
  const queues = new Set<string>();

  before(async function () {
    adapter = await startAdapter();
    amqp = await AmqpClient.open();
  });
  after(async function () {
    await amqp?.close();
    await adapter?.stop();
    if (queues.size > 0) await deleteQueues(queues);
  });
  useCleanup();

  describe('inbound', function () {
    it('publishes a PUBLISH retransmitted with the same id before PUBREL once; PUBREL gets PUBCOMP [MQTT-4.3.3-9] [MQTT-4.3.3-11]', async function () {
      const topic = uniqueTopic('q2in');
      const q = await amqp.consumeBound([routingKey(topic)]);
      const { client: c } = await RawMqtt.connect5(adapter.ports.mqtt);
      c.send(qos2(topic, 'once', 7));
      const rec1 = await c.nextOf('pubrec');
      assert.equal(rec1.messageId, 7);
      assert.equal(rec1.reasonCode ?? 0, 0);
      // The client did not see the PUBREC (say) and sends the PUBLISH again, DUP set.
      c.send(qos2(topic, 'once', 7, true));
      assert.equal((await c.nextOf('pubrec')).messageId, 7);
      c.send({ cmd: 'pubrel', messageId: 7 });
      const comp = await c.nextOf('pubcomp');
      assert.equal(comp.messageId, 7);
      assert.equal(comp.reasonCode ?? 0, 0);
      // After PUBREL the id is free: a new message with it is a new message.
      c.send(qos2(topic, 'after-release', 7));
      await c.nextOf('pubrec');
      await q.waitFor(2);
      assert.deepEqual(
        q.messages.map((m) => m.content.toString()),
        ['once', 'after-release'],
      );
    });

    it('keeps the QoS 2 ids across a reconnect of a persistent session, so a retransmission after it is not published again', async function () {
      const topic = uniqueTopic('q2resume');
      const clientId = uniqueId('q2resume');
      const q = await amqp.consumeBound([routingKey(topic)]);
      const first = await RawMqtt.connect5(adapter.ports.mqtt, {
        clientId,
        properties: { sessionExpiryInterval: 60 },
      });
      first.client.send(qos2(topic, 'across', 11));
      await first.client.nextOf('pubrec');
      first.client.socket.destroy();
      await first.client.closed;
      const again = await RawMqtt.connect5(adapter.ports.mqtt, {
        clientId,
        clean: false,
        properties: { sessionExpiryInterval: 0 },
      });
      assert.equal(again.connack.sessionPresent, true);
      again.client.send(qos2(topic, 'across', 11, true));
      assert.equal((await again.client.nextOf('pubrec')).messageId, 11);
      again.client.send({ cmd: 'pubrel', messageId: 11 });
      assert.equal((await again.client.nextOf('pubcomp')).reasonCode ?? 0, 0);
      // A QoS 1 marker from the same client: once it is through, any second copy would be too.
      again.client.send({ ...qos2(topic, 'marker', 12), qos: 1 });
      await again.client.nextOf('puback');
      await q.waitFor(2);
      assert.deepEqual(
        q.messages.map((m) => m.content.toString()),
        ['across', 'marker'],
      );
    });

    it('answers PUBREL for an unknown packet id with PUBCOMP 0x92 [MQTT-3.7.2]', async function () {
      const { client: c } = await RawMqtt.connect5(adapter.ports.mqtt);
      c.send({ cmd: 'pubrel', messageId: 4242 });
      const comp = await c.nextOf('pubcomp');
      assert.equal(comp.messageId, 4242);
      assert.equal(comp.reasonCode, 0x92);
    });
  });

  describe('outbound', function () {
    it('grants QoS 2 and delivers with PUBLISH -> PUBREC -> PUBREL -> PUBCOMP [MQTT-4.3.3-1]', async function () {
      const topic = uniqueTopic('q2out');
      const { client: c } = await RawMqtt.connect5(adapter.ports.mqtt);
      c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 2 }] });
      assert.deepEqual((await c.nextOf('suback')).granted, [2]);
      const pub = await V5.connect(adapter.ports.mqtt);
      await pub.publish(topic, 'exactly', { qos: 2 });
      const m = await c.nextOf('publish');
      assert.equal(m.qos, 2);
      assert.equal(m.payload.toString(), 'exactly');
      c.send({ cmd: 'pubrec', messageId: m.messageId as number });
      const rel = await c.nextOf('pubrel');
      assert.equal(rel.messageId, m.messageId);
      c.send({ cmd: 'pubcomp', messageId: m.messageId as number });
      // The exchange is over: the next message flows (and nothing is resent).
      await pub.publish(topic, 'next', { qos: 2 });
      const n = await c.nextOf('publish');
      assert.equal(n.payload.toString(), 'next');
      assert.equal(n.dup, false);
    });

    it('re-sends the PUBREL of a client that left after PUBREC, when it resumes [MQTT-4.4.0-1]', async function () {
      const topic = uniqueTopic('q2rel');
      const clientId = uniqueId('q2rel');
      queues.add(`mqtt-subscription-${clientId}qos1`);
      const first = await RawMqtt.connect5(adapter.ports.mqtt, {
        clientId,
        properties: { sessionExpiryInterval: 60 },
      });
      first.client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 2 }] });
      await first.client.nextOf('suback');
      const pub = await V5.connect(adapter.ports.mqtt);
      await pub.publish(topic, 'half-done', { qos: 2 });
      const m = await first.client.nextOf('publish');
      first.client.send({ cmd: 'pubrec', messageId: m.messageId as number });
      await first.client.nextOf('pubrel');
      // Gone before PUBCOMP.
      first.client.socket.destroy();
      await first.client.closed;

      const again = await RawMqtt.connect5(adapter.ports.mqtt, {
        clientId,
        clean: false,
        properties: { sessionExpiryInterval: 0 },
      });
      assert.equal(again.connack.sessionPresent, true);
      const rel = await again.client.nextOf('pubrel');
      assert.equal(rel.messageId, m.messageId);
      again.client.send({ cmd: 'pubcomp', messageId: m.messageId as number });
      await pub.publish(topic, 'after-resume', { qos: 2 });
      const n = await again.client.nextOf('publish');
      assert.equal(n.payload.toString(), 'after-resume', 'the PUBRECed message is not delivered again');
      assert.equal(again.client.all('publish').length, 1);
    });

    it('delivers exactly N of N messages published at QoS 2, none twice', async function () {
      const n = 60;
      const topic = uniqueTopic('q2count');
      const q = await amqp.consumeBound([routingKey(topic)]);
      const sub = await V5.connect(adapter.ports.mqtt);
      assert.deepEqual(await sub.subscribe(topic, { qos: 2 }), [2]);
      const pub = await V5.connect(adapter.ports.mqtt);
      await Promise.all(Array.from({ length: n }, (_, i) => pub.publish(topic, `m${i}`, { qos: 2 })));
      await sub.waitCount(n, 20_000);
      await q.waitFor(n);
      // One more message through both paths, so a late duplicate would be in by now.
      await pub.publish(topic, 'end', { qos: 2 });
      await sub.waitFor('end');
      await until(() => q.messages.length >= n + 1, 'end on the AMQP side');
      const got = sub.payloads().filter((p) => p !== 'end');
      assert.equal(got.length, n);
      assert.equal(new Set(got).size, n, 'no duplicates');
      assert.ok(sub.received.every((m) => m.qos === 2));
      assert.equal(q.messages.length, n + 1, 'RabbitMQ got each message once');
    });
  });
});
