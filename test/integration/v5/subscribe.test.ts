import { strict as assert } from 'node:assert';
import { startAdapter, uniqueId } from '../helpers/adapter';
import { createUser, deleteQueues, deleteUser, setTopicPermissions } from '../helpers/rabbit';
import type { Adapter } from '../../../adapter/src/server';
import { V5, deleteRedisKeys, storeEnv, uniqueTopic } from './support';
import { delay } from '../helpers/wait';
import { closeAll } from '../helpers/cleanup';
import { useCleanup } from '../helpers/suite';
import { RawMqtt } from '../helpers/raw-mqtt';

/**
 * SUBSCRIBE options and SUBACK/UNSUBACK reason codes through RabbitMQ: No
 * Local, Retain As Published, Retain Handling 0/1/2, a filter RabbitMQ's topic
 * permissions refuse, an unknown filter at UNSUBSCRIBE, and a forbidden option
 * combination.
 */
describe('MQTT 5 SUBSCRIBE options and reason codes (issue 6)', function () {
  let adapter: Adapter;
  const queues = new Set<string>();
  const retainedTopics = new Set<string>();

  before(async function () {
    adapter = await startAdapter();
  });
  after(async function () {
    // Clear what the tests retained (an empty retained payload deletes it).
    if (retainedTopics.size > 0) {
      const c = await V5.connect(adapter.ports.mqtt);
      for (const t of retainedTopics) await c.publish(t, '', { qos: 1, retain: true });
    }
    await closeAll();
    await adapter?.stop();
    if (queues.size > 0) await deleteQueues(queues);
  });
  useCleanup();

  async function retain(topic: string, payload: string): Promise<void> {
    retainedTopics.add(topic);
    const c = await V5.connect(adapter.ports.mqtt);
    await c.publish(topic, payload, { qos: 1, retain: true });
    await c.end();
  }

  /** Publishes a non-retained marker and waits for it: whatever was to arrive before it has. */
  async function fence(sub: V5, topic: string): Promise<void> {
    const marker = uniqueId('marker');
    const pub = await V5.connect(adapter.ports.mqtt);
    await pub.publish(topic, marker, { qos: 1 });
    await sub.waitFor(marker);
    await pub.end();
  }

  describe('No Local', function () {
    for (const qos of [0, 1] as const) {
      it(`does not send a client its own messages on a No Local subscription at QoS ${qos} [MQTT-3.8.3-3]`, async function () {
        const topic = uniqueTopic('nolocal');
        const me = await V5.connect(adapter.ports.mqtt);
        const plain = await V5.connect(adapter.ports.mqtt);
        await me.subscribe(topic, { qos, nl: true });
        await plain.subscribe(topic, { qos });
        await me.publish(topic, 'mine', { qos: 1 });
        await plain.waitFor('mine');
        await fence(me, topic);
        assert.ok(!me.payloads().includes('mine'), `own message delivered: ${me.payloads().join(',')}`);
      });
    }
  });

  describe('Retain As Published', function () {
    it('keeps the retain flag of a live message only with Retain As Published set [MQTT-3.3.1-12] [MQTT-3.3.1-13]', async function () {
      const topic = uniqueTopic('rap');
      retainedTopics.add(topic);
      const keep = await V5.connect(adapter.ports.mqtt);
      const clear = await V5.connect(adapter.ports.mqtt);
      await keep.subscribe(topic, { qos: 1, rap: true });
      await clear.subscribe(topic, { qos: 1, rap: false });
      const pub = await V5.connect(adapter.ports.mqtt);
      await pub.publish(topic, 'live-retained', { qos: 1, retain: true });
      await pub.publish(topic, 'live-plain', { qos: 1 });
      assert.equal((await keep.waitFor('live-retained')).retain, true);
      assert.equal((await keep.waitFor('live-plain')).retain, false);
      assert.equal((await clear.waitFor('live-retained')).retain, false);
      assert.equal((await clear.waitFor('live-plain')).retain, false);
    });
  });

  describe('Retain Handling', function () {
    it('0: sends retained messages at every SUBSCRIBE [MQTT-3.3.1-9]', async function () {
      const topic = uniqueTopic('rh0');
      await retain(topic, 'kept-0');
      const c = await V5.connect(adapter.ports.mqtt);
      await c.subscribe(topic, { qos: 1, rh: 0 });
      assert.equal((await c.waitFor('kept-0')).retain, true);
      await c.subscribe(topic, { qos: 1, rh: 0 });
      await fence(c, topic);
      assert.equal(c.payloads().filter((p) => p === 'kept-0').length, 2);
    });

    it('1: sends retained messages only when the subscription is new [MQTT-3.3.1-10]', async function () {
      const topic = uniqueTopic('rh1');
      await retain(topic, 'kept-1');
      const c = await V5.connect(adapter.ports.mqtt);
      await c.subscribe(topic, { qos: 1, rh: 1 });
      await c.waitFor('kept-1');
      await c.subscribe(topic, { qos: 1, rh: 1 });
      await fence(c, topic);
      assert.equal(c.payloads().filter((p) => p === 'kept-1').length, 1);
    });

    it('2: never sends retained messages [MQTT-3.3.1-11]', async function () {
      const topic = uniqueTopic('rh2');
      await retain(topic, 'kept-2');
      const c = await V5.connect(adapter.ports.mqtt);
      await c.subscribe(topic, { qos: 1, rh: 2 });
      await fence(c, topic);
      assert.ok(!c.payloads().includes('kept-2'));
    });
  });

  describe('reason codes', function () {
    const user = uniqueId('v5-topicperm');
    const password = uniqueId('pw');

    before(async function () {
      await createUser(user, password);
      // Read (bind) and write (publish) only below v5.allowed.<user>.
      const allowed = `^v5\\.allowed\\.${user}\\..*`;
      await setTopicPermissions(user, 'amq.topic', allowed, allowed);
    });
    after(async function () {
      await deleteUser(user);
    });

    it('answers a filter RabbitMQ refuses with SUBACK 0x87 and grants the others of the same SUBSCRIBE', async function () {
      const clientId = uniqueId('perm');
      queues.add(`mqtt-subscription-${clientId}qos1`);
      // mqtt.js rejects a SUBACK with any failure code, so the raw client reads the codes.
      const { client: c } = await RawMqtt.connect5(adapter.ports.mqtt, {
        clientId,
        username: user,
        password: Buffer.from(password),
      });
      c.send({
        cmd: 'subscribe',
        messageId: 1,
        subscriptions: [
          { topic: `v5/allowed/${user}/a`, qos: 1 },
          { topic: `v5/denied/${user}/b`, qos: 1 },
        ],
      });
      assert.deepEqual((await c.nextOf('suback')).granted, [1, 0x87]);
      c.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: `v5/denied/${user}/c`, qos: 0 }] });
      assert.deepEqual((await c.nextOf('suback')).granted, [0x87], 'the QoS 0 fast path is refused too');
      // The connection and the granted subscription keep working.
      const pub = await V5.connect(adapter.ports.mqtt);
      await pub.publish(`v5/allowed/${user}/a`, 'still-works', { qos: 1 });
      const m = await c.nextOf('publish');
      assert.equal(m.payload.toString(), 'still-works');
      assert.equal(c.isClosed, false);
    });

    it('answers a publish RabbitMQ refuses with PUBACK 0x87, keeping the connection', async function () {
      const c = await V5.connect(adapter.ports.mqtt, { username: user, password });
      const { client: raw } = await RawMqtt.connect5(adapter.ports.mqtt, {
        username: user,
        password: Buffer.from(password),
      });
      raw.send({
        cmd: 'publish',
        topic: `v5/denied/${user}/x`,
        payload: Buffer.from('no'),
        qos: 1,
        retain: false,
        dup: false,
        messageId: 9,
      });
      const ack = await raw.nextOf('puback');
      assert.equal(ack.reasonCode, 0x87);
      assert.equal(raw.isClosed, false);
      await c.subscribe(`v5/allowed/${user}/y`, { qos: 1 });
      raw.send({
        cmd: 'publish',
        topic: `v5/allowed/${user}/y`,
        payload: Buffer.from('yes'),
        qos: 1,
        retain: false,
        dup: false,
        messageId: 10,
      });
      assert.equal((await raw.nextOf('puback')).reasonCode ?? 0, 0);
      await c.waitFor('yes');
    });

    it('answers UNSUBSCRIBE of a filter with no subscription with UNSUBACK 0x11 [MQTT-3.11.3]', async function () {
      const topic = uniqueTopic('unsub');
      const { client: c } = await RawMqtt.connect5(adapter.ports.mqtt);
      c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 0 }] });
      await c.nextOf('suback');
      c.send({ cmd: 'unsubscribe', messageId: 2, unsubscriptions: [topic, `${topic}/never`] });
      const unsuback = await c.nextOf('unsuback');
      assert.equal(unsuback.messageId, 2);
      assert.deepEqual(unsuback.granted, [0x00, 0x11]);
    });

    it('disconnects with 0x82 on No Local for a shared subscription [MQTT-3.8.3-4]', async function () {
      const { client: c } = await RawMqtt.connect5(adapter.ports.mqtt);
      c.send({
        cmd: 'subscribe',
        messageId: 1,
        subscriptions: [{ topic: `$share/g/${uniqueTopic('nlshare')}`, qos: 1, nl: true }],
      });
      const { reasonCode } = await c.serverClose();
      assert.equal(reasonCode, 0x82);
    });
  });
});

describe('MQTT 5 retained messages keep their properties and expire (issue 6)', function () {
  for (const store of ['memory', 'redis'] as const) {
    describe(`${store} store`, function () {
      let adapter: Adapter;
      const prefix = `mqtt-adapter-test-${uniqueId('ret')}:`;
      before(async function () {
        adapter = await startAdapter(storeEnv(store, prefix));
      });
      after(async function () {
        await adapter?.stop();
        if (store === 'redis') await deleteRedisKeys(prefix);
      });
      useCleanup();

      it('sends a retained message with the properties it was published with (section 3.3.2.3)', async function () {
        const topic = uniqueTopic('retprops');
        const pub = await V5.connect(adapter.ports.mqtt);
        await pub.publish(topic, 'with-props', {
          qos: 1,
          retain: true,
          properties: {
            contentType: 'text/x-retained',
            correlationData: Buffer.from([0, 1, 2, 255]),
            responseTopic: `${topic}/r`,
            userProperties: { a: '1' },
            payloadFormatIndicator: true,
            messageExpiryInterval: 300,
          },
        });
        try {
          const sub = await V5.connect(adapter.ports.mqtt);
          await sub.subscribe(topic, { qos: 1 });
          const m = await sub.waitFor('with-props');
          assert.equal(m.retain, true);
          assert.equal(m.properties?.contentType, 'text/x-retained');
          assert.deepEqual(m.properties?.correlationData, Buffer.from([0, 1, 2, 255]));
          assert.equal(m.properties?.responseTopic, `${topic}/r`);
          assert.deepEqual({ ...m.properties?.userProperties }, { a: '1' });
          assert.equal(m.properties?.payloadFormatIndicator, true);
          const left = m.properties?.messageExpiryInterval ?? 0;
          assert.ok(left > 290 && left <= 300, `remaining lifetime ${left}`);
        } finally {
          await pub.publish(topic, '', { qos: 1, retain: true });
        }
      });

      it('does not send a retained message whose Message Expiry Interval has passed [MQTT-3.3.2-5]', async function () {
        const topic = uniqueTopic('retexp');
        const pub = await V5.connect(adapter.ports.mqtt);
        await pub.publish(topic, 'short', { qos: 1, retain: true, properties: { messageExpiryInterval: 1 } });
        try {
          await delay(1500);
          const sub = await V5.connect(adapter.ports.mqtt);
          await sub.subscribe(topic, { qos: 1 });
          const marker = uniqueId('marker');
          await pub.publish(topic, marker, { qos: 1 });
          await sub.waitFor(marker);
          assert.deepEqual(sub.payloads(), [marker]);
        } finally {
          await pub.publish(topic, '', { qos: 1, retain: true });
        }
      });
    });
  }
});
