import { strict as assert } from 'node:assert';
import { generate } from 'mqtt-packet';
import { startAdapter, uniqueId } from '../helpers/adapter';
import type { Adapter } from '../../../adapter/src/server';
import { SessionQueues, V5, uniqueTopic, queueState } from './support';
import { until } from '../helpers/wait';
import { closeAll } from '../helpers/cleanup';
import { useCleanup } from '../helpers/suite';
import { RawMqtt } from '../helpers/raw-mqtt';

/**
 * MQTT 5 CONNECT and CONNACK through mqtt.js and a raw socket against the real
 * RabbitMQ: what the CONNACK announces, assigned client ids, Server Keep Alive,
 * authentication methods, and the Session Expiry Interval as the lifetime of
 * the client's durable queue.
 */
describe('MQTT 5 CONNECT/CONNACK (issue 6)', function () {
  let adapter: Adapter;
  const queues = new SessionQueues();
  const queueOf = queues.of;

  before(async function () {
    adapter = await startAdapter({
      MQTT_ADAPTER_INFLIGHT_WINDOW: '17',
      MQTT_ADAPTER_MAX_PACKET_SIZE: '65536',
      MQTT_ADAPTER_SESSION_EXPIRY_MAX: '30',
    });
  });
  after(async function () {
    await adapter?.stop();
    await queues.deleteAll();
  });
  useCleanup();

  it('CONNACK announces Receive Maximum, Maximum Packet Size, Topic Alias Maximum and the available features [MQTT-3.2.2.3]', async function () {
    const c = await V5.connect(adapter.ports.mqtt);
    const props = c.connack?.properties ?? {};
    assert.equal(c.connack?.reasonCode, 0);
    assert.equal(props.receiveMaximum, 17);
    assert.equal(props.maximumPacketSize, 65536);
    assert.ok((props.topicAliasMaximum ?? 0) > 0, 'a topic alias maximum is announced');
    assert.equal(props.sharedSubscriptionAvailable, true);
    assert.equal(props.subscriptionIdentifiersAvailable, true);
    assert.equal(props.wildcardSubscriptionAvailable, true);
    assert.equal(props.assignedClientIdentifier, undefined, 'no id is assigned when the client sent one');
  });

  it('assigns a client identifier to an empty one and serves it [MQTT-3.2.2-16]', async function () {
    const c = await V5.connect(adapter.ports.mqtt, { clientId: '' });
    const assigned = c.connack?.properties?.assignedClientIdentifier;
    assert.ok(assigned && assigned.length > 0, 'CONNACK carries an Assigned Client Identifier');
    const topic = uniqueTopic('assigned');
    await c.subscribe(topic, { qos: 1 });
    await c.publish(topic, 'hello', { qos: 1 });
    await c.waitFor('hello');
    // A second client with an empty id gets a different one.
    const d = await V5.connect(adapter.ports.mqtt, { clientId: '' });
    assert.notEqual(d.connack?.properties?.assignedClientIdentifier, assigned);
  });

  it('keeps a persistent session under an assigned client identifier, resumable by that id [MQTT-3.1.3-7]', async function () {
    const topic = uniqueTopic('assigned-persist');
    // Neither mqtt.js nor mqtt-packet will write an empty id without a clean start, so the
    // CONNECT is written with one and its Clean Start flag (byte 9, bit 1) cleared.
    const bytes = generate(
      {
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 5,
        clean: true,
        keepalive: 0,
        clientId: '',
        username: 'guest',
        password: Buffer.from('guest'),
        properties: { sessionExpiryInterval: 20 },
      },
      { protocolVersion: 5 },
    );
    bytes[9] &= ~0x02;
    const c = await RawMqtt.open(adapter.ports.mqtt, { protocolVersion: 5 });
    c.write(bytes);
    const connack = await c.nextOf('connack');
    assert.equal(connack.reasonCode, 0);
    const assigned = connack.properties?.assignedClientIdentifier as string;
    assert.ok(assigned);
    queueOf(assigned);
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 1 }] });
    await c.nextOf('suback');
    c.send({ cmd: 'disconnect' });
    await c.serverClose();
    const again = await V5.connect(adapter.ports.mqtt, {
      clientId: assigned,
      clean: false,
      properties: { sessionExpiryInterval: 0 },
    });
    assert.equal(again.connack?.sessionPresent, true);
    const pub = await V5.connect(adapter.ports.mqtt);
    await pub.publish(topic, 'to-assigned', { qos: 1 });
    await again.waitFor('to-assigned');
  });

  it('answers an Authentication Method it does not support with CONNACK 0x8C and closes [MQTT-4.12.0-1]', async function () {
    const { client: c, connack } = await RawMqtt.connect5(adapter.ports.mqtt, {
      properties: { authenticationMethod: 'SCRAM-SHA-1' },
    });
    assert.equal(connack.reasonCode, 0x8c);
    await c.serverClose();
  });

  it('keeps a session with Session Expiry Interval > 0: session present and queued QoS 1 delivered on reconnect [MQTT-3.1.2-23]', async function () {
    const clientId = uniqueId('expiry');
    const queue = queueOf(clientId);
    const topic = uniqueTopic('expiry');
    const first = await V5.connect(adapter.ports.mqtt, {
      clientId,
      clean: true,
      properties: { sessionExpiryInterval: 20 },
    });
    assert.equal(first.connack?.sessionPresent, false);
    await first.subscribe(topic, { qos: 1 });
    await first.disconnect();

    const info = await queueState(queue);
    assert.ok(info, `queue ${queue} outlives the connection`);
    assert.ok(info.durable, 'a persistent session queue is durable');
    assert.equal(
      info.expiresMs,
      (30 + 3600) * 1000,
      'x-expires is a backstop an hour past the longest expiry',
    );

    const pub = await V5.connect(adapter.ports.mqtt);
    await pub.publish(topic, 'while-away', { qos: 1 });

    const again = await V5.connect(adapter.ports.mqtt, {
      clientId,
      clean: false,
      properties: { sessionExpiryInterval: 20 },
    });
    assert.equal(again.connack?.sessionPresent, true);
    const m = await again.waitFor('while-away');
    assert.equal(m.qos, 1);
    assert.equal(m.topic, topic);
    // End the session: expiry 0 at DISCONNECT deletes the queue.
    await again.disconnect({ sessionExpiryInterval: 0 });
    await until(async () => (await queueState(queue)) === undefined, 'queue deleted when the session ends');
  });

  it('ends a session once its Session Expiry Interval has passed: session present 0, its queue gone [MQTT-3.1.2-23]', async function () {
    const clientId = uniqueId('expired');
    const queue = queueOf(clientId);
    const first = await V5.connect(adapter.ports.mqtt, {
      clientId,
      clean: true,
      properties: { sessionExpiryInterval: 1 },
    });
    await first.subscribe(uniqueTopic('expired'), { qos: 1 });
    await first.disconnect();
    await new Promise((r) => setTimeout(r, 1500));
    const again = await V5.connect(adapter.ports.mqtt, {
      clientId,
      clean: false,
      properties: { sessionExpiryInterval: 0 },
    });
    assert.equal(again.connack?.sessionPresent, false, 'the session expired 1 s after the client left');
    await again.disconnect();
    await until(async () => (await queueState(queue)) === undefined, 'no queue of the expired session');
  });

  it('re-sends an unacknowledged QoS 1 message with DUP when the session resumes [MQTT-4.4.0-1] [MQTT-3.3.1-1]', async function () {
    const clientId = uniqueId('redeliver');
    queueOf(clientId);
    const topic = uniqueTopic('redeliver');
    const first = await RawMqtt.connect5(adapter.ports.mqtt, {
      clientId,
      properties: { sessionExpiryInterval: 20 },
    });
    first.client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 1 }] });
    await first.client.nextOf('suback');
    const pub = await V5.connect(adapter.ports.mqtt);
    await pub.publish(topic, 'unacked', { qos: 1 });
    const m = await first.client.nextOf('publish');
    assert.equal(m.dup, false);
    first.client.socket.destroy(); // no PUBACK
    await first.client.closed;
    const again = await RawMqtt.connect5(adapter.ports.mqtt, {
      clientId,
      clean: false,
      properties: { sessionExpiryInterval: 0 },
    });
    assert.equal(again.connack.sessionPresent, true);
    const r = await again.client.nextOf('publish');
    assert.equal(r.payload.toString(), 'unacked');
    assert.equal(r.dup, true);
    again.client.send({ cmd: 'puback', messageId: r.messageId as number });
  });

  it('discards a stored session and its queued messages on Clean Start [MQTT-3.1.2-4]', async function () {
    const clientId = uniqueId('cleanstart');
    const queue = queueOf(clientId);
    const topic = uniqueTopic('cleanstart');
    const first = await V5.connect(adapter.ports.mqtt, {
      clientId,
      properties: { sessionExpiryInterval: 20 },
    });
    await first.subscribe(topic, { qos: 1 });
    await first.disconnect();
    const pub = await V5.connect(adapter.ports.mqtt);
    await pub.publish(topic, 'old-session', { qos: 1 });
    await until(async () => (await queueState(queue))?.ready === 1, 'the message queued for the session');
    const fresh = await V5.connect(adapter.ports.mqtt, { clientId, clean: true });
    assert.equal(fresh.connack?.sessionPresent, false);
    // The old queue is gone with its message; a new subscription starts empty.
    await fresh.subscribe(topic, { qos: 1 });
    await pub.publish(topic, 'new-session', { qos: 1 });
    await fresh.waitFor('new-session');
    assert.deepEqual(fresh.payloads(), ['new-session']);
  });

  it('ends a session with Session Expiry Interval 0 at disconnect: queue gone, no session present [MQTT-3.1.2-23]', async function () {
    const clientId = uniqueId('noexpiry');
    const queue = queueOf(clientId);
    const topic = uniqueTopic('noexpiry');
    const first = await V5.connect(adapter.ports.mqtt, { clientId, clean: true });
    await first.subscribe(topic, { qos: 1 });
    assert.ok(await queueState(queue), 'a QoS 1 subscription has a queue');
    await first.disconnect();
    await until(async () => (await queueState(queue)) === undefined, 'queue deleted with the session');
    const again = await V5.connect(adapter.ports.mqtt, { clientId, clean: false });
    assert.equal(again.connack?.sessionPresent, false);
  });

  it('caps the Session Expiry Interval at MQTT_ADAPTER_SESSION_EXPIRY_MAX and tells the client in CONNACK [MQTT-3.2.2.3.2]', async function () {
    const clientId = uniqueId('capped');
    const queue = queueOf(clientId);
    const c = await V5.connect(adapter.ports.mqtt, {
      clientId,
      properties: { sessionExpiryInterval: 3600 },
    });
    assert.equal(c.connack?.properties?.sessionExpiryInterval, 30);
    await c.subscribe(uniqueTopic('capped'), { qos: 1 });
    const info = await queueState(queue);
    assert.ok(info);
    assert.equal(info.expiresMs, (30 + 3600) * 1000, "the backstop past the cap, not the client's 3600 s");
    await c.disconnect({ sessionExpiryInterval: 0 });
    await until(async () => (await queueState(queue)) === undefined, 'queue deleted when the session ends');
  });

  it('sends DISCONNECT 0x8E to the connection whose session another takes over [MQTT-3.1.4-3]', async function () {
    const clientId = uniqueId('takeover');
    const first = await V5.connect(adapter.ports.mqtt, { clientId });
    const second = await V5.connect(adapter.ports.mqtt, { clientId });
    await first.closed();
    assert.equal(first.serverDisconnect?.reasonCode, 0x8e);
    assert.equal(second.isClosed, false);
  });

  it('refuses Session Expiry set at DISCONNECT after 0 at CONNECT with DISCONNECT 0x82 [MQTT-3.14.2-2]', async function () {
    const { client: c, connack } = await RawMqtt.connect5(adapter.ports.mqtt);
    assert.equal(connack.reasonCode, 0);
    c.send({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 60 } });
    const { reasonCode } = await c.serverClose();
    assert.equal(reasonCode, 0x82);
  });
});

describe('MQTT 5 Server Keep Alive and server-side DISCONNECT reasons (issue 6)', function () {
  let adapter: Adapter | undefined;
  afterEach(async function () {
    await closeAll();
    await adapter?.stop();
    adapter = undefined;
  });

  it('announces Server Keep Alive and disconnects a silent client with 0x8D [MQTT-3.2.2-21] [MQTT-3.1.2-22]', async function () {
    adapter = await startAdapter({ MQTT_ADAPTER_SERVER_KEEPALIVE: '1' });
    // The client asks for no keepalive at all; the server's value is the one that applies.
    const { client: c, connack } = await RawMqtt.connect5(adapter.ports.mqtt, { keepalive: 0 });
    assert.equal(connack.properties?.serverKeepAlive, 1);
    const started = Date.now();
    const { reasonCode } = await c.serverClose(6000);
    assert.equal(reasonCode, 0x8d);
    assert.ok(Date.now() - started >= 1000, 'not before one keepalive period');
  });

  it('tells a v5 client DISCONNECT 0x8B when the server shuts down', async function () {
    adapter = await startAdapter();
    const c = await V5.connect(adapter.ports.mqtt);
    await adapter.stop();
    await c.closed();
    assert.equal(c.serverDisconnect?.reasonCode, 0x8b);
  });

  it('points a v5 client at another server with DISCONNECT 0x9C when a server reference is configured', async function () {
    adapter = await startAdapter({ MQTT_ADAPTER_SERVER_REFERENCE: 'mqtt.example.test:1883' });
    const c = await V5.connect(adapter.ports.mqtt);
    await adapter.stop();
    await c.closed();
    assert.equal(c.serverDisconnect?.reasonCode, 0x9c);
    assert.equal(c.serverDisconnect?.properties?.serverReference, 'mqtt.example.test:1883');
  });

  it('refuses a v5 client over the connection limit with CONNACK 0x97 and a reason string', async function () {
    adapter = await startAdapter({ MQTT_ADAPTER_MAX_CONNECTIONS: '1' });
    await V5.connect(adapter.ports.mqtt);
    const { connack } = await RawMqtt.connect5(adapter.ports.mqtt);
    assert.equal(connack.reasonCode, 0x97);
    assert.match(connack.properties?.reasonString ?? '', /connection limit 1/);
  });
});

describe('MQTT 5 Maximum QoS (issue 6)', function () {
  let adapter: Adapter;
  before(async function () {
    adapter = await startAdapter({ MQTT_ADAPTER_MAX_QOS: '1' });
  });
  after(async function () {
    await adapter?.stop();
  });
  useCleanup();

  it('announces Maximum QoS 1, grants QoS 1 for a QoS 2 SUBSCRIBE, and disconnects a QoS 2 PUBLISH with 0x9B [MQTT-3.2.2-11] [MQTT-3.3.1-4]', async function () {
    const { client: c, connack } = await RawMqtt.connect5(adapter.ports.mqtt);
    assert.equal(connack.properties?.maximumQoS, 1);
    const topic = uniqueTopic('maxqos');
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 2 }] });
    assert.deepEqual((await c.nextOf('suback')).granted, [1]);
    c.send({
      cmd: 'publish',
      topic,
      payload: Buffer.from('too-high'),
      qos: 2,
      retain: false,
      dup: false,
      messageId: 2,
    });
    const { reasonCode } = await c.serverClose();
    assert.equal(reasonCode, 0x9b);
  });
});
