import { strict as assert } from 'node:assert';
import { startAdapter, uniqueId } from '../helpers/adapter';
import { AmqpClient, deleteQueues } from '../helpers/rabbit';
import type { Adapter } from '../../../adapter/src/server';
import { V5, uniqueTopic, routingKey } from './support';
import { delay } from '../helpers/wait';
import { useCleanup } from '../helpers/suite';
import { RawMqtt } from '../helpers/raw-mqtt';

/**
 * PUBLISH properties end to end through RabbitMQ: Message Expiry, Payload
 * Format Indicator, Content Type, Response Topic, Correlation Data and User
 * Properties between MQTT 5 clients and to and from an AMQP 0-9-1 client, and
 * Subscription Identifiers.
 */
describe('MQTT 5 PUBLISH properties (issue 6)', function () {
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

  /** A persistent subscriber that subscribes and goes away, leaving its queue to fill. */
  async function awaySubscriber(topic: string): Promise<string> {
    const clientId = uniqueId('away');
    queues.add(`mqtt-subscription-${clientId}qos1`);
    const sub = await V5.connect(adapter.ports.mqtt, { clientId, properties: { sessionExpiryInterval: 60 } });
    await sub.subscribe(topic, { qos: 1 });
    await sub.disconnect();
    return clientId;
  }
  const comeBack = (clientId: string): Promise<V5> =>
    V5.connect(adapter.ports.mqtt, { clientId, clean: false, properties: { sessionExpiryInterval: 0 } });

  describe('Message Expiry Interval', function () {
    it('forwards the remaining lifetime, smaller than the original after a wait [MQTT-3.3.2-6]', async function () {
      const topic = uniqueTopic('expiry');
      const clientId = await awaySubscriber(topic);
      const pub = await V5.connect(adapter.ports.mqtt);
      await pub.publish(topic, 'ages', { qos: 1, properties: { messageExpiryInterval: 30 } });
      // Let the message age in the queue: the lifetime forwarded must count this time off.
      await delay(2100);
      const sub = await comeBack(clientId);
      const m = await sub.waitFor('ages');
      const left = m.properties?.messageExpiryInterval;
      assert.ok(left !== undefined, 'the expiry is forwarded');
      assert.ok(left >= 1 && left <= 28, `remaining lifetime ${left} s is below 30 - 2`);
    });

    it('does not deliver a queued message whose lifetime ran out [MQTT-3.3.2-5]', async function () {
      const topic = uniqueTopic('expired');
      const clientId = await awaySubscriber(topic);
      const pub = await V5.connect(adapter.ports.mqtt);
      await pub.publish(topic, 'short-lived', { qos: 1, properties: { messageExpiryInterval: 1 } });
      await pub.publish(topic, 'long-lived', { qos: 1, properties: { messageExpiryInterval: 600 } });
      await pub.publish(topic, 'immortal', { qos: 1 });
      await delay(1600);
      const sub = await comeBack(clientId);
      await sub.waitFor('immortal');
      assert.deepEqual(sub.payloads(), ['long-lived', 'immortal']);
      assert.equal(
        sub.received[1].properties?.messageExpiryInterval,
        undefined,
        'no expiry when none was set',
      );
    });
  });

  describe('Payload Format Indicator', function () {
    it('answers invalid UTF-8 flagged as UTF-8 with PUBACK 0x99 and publishes nothing [MQTT-3.3.2-4]', async function () {
      const topic = uniqueTopic('pfi');
      const sub = await V5.connect(adapter.ports.mqtt);
      await sub.subscribe(topic, { qos: 1 });
      const { client: c } = await RawMqtt.connect5(adapter.ports.mqtt);
      const publish = (payload: Buffer, messageId: number): void =>
        c.send({
          cmd: 'publish',
          topic,
          payload,
          qos: 1,
          retain: false,
          dup: false,
          messageId,
          properties: { payloadFormatIndicator: true },
        });
      publish(Buffer.from([0x61, 0xff, 0xfe, 0x62]), 1);
      const bad = await c.nextOf('puback');
      assert.equal(bad.messageId, 1);
      assert.equal(bad.reasonCode, 0x99);
      publish(Buffer.from('grüße', 'utf8'), 2);
      assert.equal((await c.nextOf('puback')).reasonCode ?? 0, 0);
      const m = await sub.waitFor('grüße');
      assert.equal(m.properties?.payloadFormatIndicator, true);
      assert.deepEqual(sub.payloads(), ['grüße'], 'the invalid one was not published');
      assert.equal(c.isClosed, false, 'a QoS 1 refusal keeps the connection');
    });

    it('disconnects with 0x99 on invalid UTF-8 at QoS 0, which has no PUBACK to carry it', async function () {
      const { client: c } = await RawMqtt.connect5(adapter.ports.mqtt);
      c.send({
        cmd: 'publish',
        topic: uniqueTopic('pfi0'),
        payload: Buffer.from([0xc3, 0x28]),
        qos: 0,
        retain: false,
        dup: false,
        properties: { payloadFormatIndicator: true },
      });
      const { reasonCode } = await c.serverClose();
      assert.equal(reasonCode, 0x99);
    });
  });

  describe('Content Type, Response Topic, Correlation Data, User Properties', function () {
    const props = {
      contentType: 'application/json',
      correlationData: Buffer.from('corr-42'),
      userProperties: { region: 'eu', build: '7' },
    };

    it('travel unchanged between MQTT 5 clients [MQTT-3.3.2-15] [MQTT-3.3.2-16] [MQTT-3.3.2-17] [MQTT-3.3.2-18]', async function () {
      const topic = uniqueTopic('props');
      const sub = await V5.connect(adapter.ports.mqtt);
      await sub.subscribe(topic, { qos: 1 });
      const pub = await V5.connect(adapter.ports.mqtt);
      const responseTopic = `${topic}/reply`;
      await pub.publish(topic, '{"a":1}', { qos: 1, properties: { ...props, responseTopic } });
      const m = await sub.waitFor('{"a":1}');
      assert.equal(m.properties?.contentType, props.contentType);
      assert.equal(m.properties?.responseTopic, responseTopic);
      assert.deepEqual(m.properties?.correlationData, props.correlationData);
      assert.deepEqual({ ...m.properties?.userProperties }, props.userProperties);
    });

    it('keep binary Correlation Data and repeated User Property keys, in order [MQTT-3.3.2-18]', async function () {
      const topic = uniqueTopic('props-binary');
      const sub = await V5.connect(adapter.ports.mqtt);
      await sub.subscribe(topic, { qos: 1 });
      const pub = await V5.connect(adapter.ports.mqtt);
      const correlationData = Buffer.from([0xff, 0x00, 0xfe, 0x80]);
      await pub.publish(topic, 'binary', {
        qos: 1,
        properties: { correlationData, userProperties: { tag: ['first', 'second'], one: 'only' } },
      });
      const m = await sub.waitFor('binary');
      assert.deepEqual(m.properties?.correlationData, correlationData);
      assert.deepEqual({ ...m.properties?.userProperties }, { tag: ['first', 'second'], one: 'only' });
    });

    it('map to AMQP content_type, reply_to (routing-key form), correlation_id and headers', async function () {
      const topic = uniqueTopic('to-amqp');
      const q = await amqp.consumeBound([routingKey(topic)]);
      const pub = await V5.connect(adapter.ports.mqtt);
      await pub.publish(topic, 'to-amqp', { qos: 1, properties: { ...props, responseTopic: `${topic}/r` } });
      const [msg] = await q.waitFor(1);
      assert.equal(msg.content.toString(), 'to-amqp');
      assert.equal(msg.properties.contentType, props.contentType);
      assert.equal(msg.properties.replyTo, routingKey(`${topic}/r`));
      assert.equal(msg.properties.correlationId, 'corr-42');
      assert.equal(String(msg.properties.headers?.region), 'eu');
      assert.equal(String(msg.properties.headers?.build), '7');
    });

    it('come from AMQP content_type, reply_to, correlation_id and headers', async function () {
      const topic = uniqueTopic('from-amqp');
      const sub = await V5.connect(adapter.ports.mqtt);
      await sub.subscribe(topic, { qos: 1 });
      await amqp.publish(routingKey(topic), 'from-amqp', {
        contentType: 'text/plain',
        replyTo: routingKey(`${topic}/answers`),
        correlationId: 'abc-123',
        headers: { tenant: 't1' },
        deliveryMode: 2,
      });
      const m = await sub.waitFor('from-amqp');
      assert.equal(m.qos, 1, 'a persistent AMQP message counts as QoS 1');
      assert.equal(m.properties?.contentType, 'text/plain');
      assert.equal(m.properties?.responseTopic, `${topic}/answers`);
      assert.deepEqual(m.properties?.correlationData, Buffer.from('abc-123'));
      assert.deepEqual({ ...m.properties?.userProperties }, { tenant: 't1' });
    });

    it('make request/response work between an MQTT 5 requester and an AMQP responder', async function () {
      const base = uniqueTopic('rpc');
      const requestTopic = `${base}/request`;
      const responseTopic = `${base}/response/${uniqueId('me')}`;
      // The AMQP responder: answers each request to its reply_to with its correlation_id.
      const requests = await amqp.consumeBound([routingKey(requestTopic)]);
      const requester = await V5.connect(adapter.ports.mqtt);
      await requester.subscribe(responseTopic, { qos: 1 });
      const ids = ['req-1', 'req-2'];
      for (const id of ids) {
        await requester.publish(requestTopic, `question ${id}`, {
          qos: 1,
          properties: { responseTopic, correlationData: Buffer.from(id) },
        });
      }
      for (const req of await requests.waitFor(2)) {
        await amqp.publish(req.properties.replyTo as string, `answer to ${req.content.toString()}`, {
          correlationId: req.properties.correlationId as string,
        });
      }
      const answers = await requester.waitCount(2);
      for (const a of answers) {
        const id = a.properties?.correlationData?.toString() ?? '';
        assert.ok(ids.includes(id), `correlation ${id}`);
        assert.equal(a.payload.toString(), `answer to question ${id}`);
        assert.equal(a.topic, responseTopic);
      }
    });
  });

  describe('Subscription Identifiers', function () {
    it('deliver a message matching overlapping subscriptions once, with every matching id [MQTT-3.3.4-3] [MQTT-3.3.4-5]', async function () {
      const base = uniqueTopic('subid');
      const sub = await V5.connect(adapter.ports.mqtt);
      await sub.subscribe(`${base}/#`, { qos: 1, properties: { subscriptionIdentifier: 7 } });
      await sub.subscribe(`${base}/+`, { qos: 0, properties: { subscriptionIdentifier: 300 } });
      await sub.subscribe(`${base}/x`, { qos: 1 });
      const pub = await V5.connect(adapter.ports.mqtt);
      await pub.publish(`${base}/x`, 'both', { qos: 1 });
      // A marker that only the first filter matches: once it is in, a duplicate of `both` would be too.
      await pub.publish(`${base}/y/z`, 'marker', { qos: 1 });
      await sub.waitFor('marker');
      assert.deepEqual(sub.payloads(), ['both', 'marker']);
      const [both, marker] = sub.received;
      const ids = [both.properties?.subscriptionIdentifier].flat();
      assert.deepEqual(
        ids.sort((a, b) => (a as number) - (b as number)),
        [7, 300],
      );
      assert.equal(both.qos, 1, 'at the highest granted QoS of the matching subscriptions');
      assert.deepEqual([marker.properties?.subscriptionIdentifier].flat(), [7]);
    });
  });
});
