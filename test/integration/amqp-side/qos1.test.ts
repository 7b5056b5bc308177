import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import type { IPublishPacket } from 'mqtt-packet';
import { startAdapter, uniqueId } from '../helpers/adapter';
import { Inbox } from './clients';
import { sessionQueue, useFixture } from './fixture';
import { VHOST_ENV, queueInfo } from './vhost';
import { until, within } from '../helpers/wait';
import type { RawMqtt } from '../helpers/raw-mqtt';

const texts = (ps: IPublishPacket[]): string[] => ps.map((p) => p.payload.toString());

/** QoS 1 both ways: PUBACK follows RabbitMQ's confirm, and deliveries are acked to RabbitMQ on PUBACK. */
describe('amqp-side: QoS 1 publish confirms and delivery acks', function () {
  const f = useFixture();
  const mqttClient = (): Promise<MqttClient> => f.mqtt({ clientId: uniqueId('q1') });

  const raw = async (
    clientId: string,
    clean: boolean,
    port?: number,
  ): Promise<{ client: RawMqtt; sessionPresent: boolean }> => {
    const { client, connack } = await f.raw({ clientId, clean }, port);
    assert.equal(connack.returnCode, 0);
    return { client, sessionPresent: connack.sessionPresent };
  };

  it('PUBACKs only once the message is in RabbitMQ', async function () {
    const t = uniqueId('confirmed');
    // A queue nobody consumes: its message count says what RabbitMQ has taken.
    const q = `${t}-q`;
    f.queues.add(q);
    await f.amqp.channel.assertQueue(q, { durable: false });
    await f.amqp.channel.bindQueue(q, 'amq.topic', `${t}.#`);
    const { client } = await raw(uniqueId('pub'), true);
    for (let i = 1; i <= 20; i++) {
      await client.publish(`${t}/m`, `m${i}`, 1);
      const { messageCount } = await f.amqp.channel.checkQueue(q);
      assert.equal(messageCount, i, `PUBACK ${i} came before RabbitMQ had the message`);
    }
  });

  it('keeps many publishes in flight and PUBACKs every one, in order [MQTT-4.6.0-2]', async function () {
    const t = uniqueId('many');
    const q = await f.amqp.consumeBound([`${t}.#`]);
    const { client } = await raw(uniqueId('pub'), true);
    const n = 500;
    // One burst of PUBLISH packets without waiting for any PUBACK.
    for (let i = 1; i <= n; i++) {
      client.sendPublish(`${t}/m`, `m${i}`, 1, i);
    }
    const acks = await client.pubacks(n);
    assert.deepEqual(
      acks,
      Array.from({ length: n }, (_, i) => i + 1),
    );
    const got = await q.waitFor(n);
    assert.deepEqual(
      new Set(got.map((m) => m.content.toString())),
      new Set(Array.from({ length: n }, (_, i) => `m${i + 1}`)),
    );
  });

  it('never PUBACKs a publish RabbitMQ rejects; the v3 client is disconnected', async function () {
    const t = uniqueId('rejected');
    const q = `${t}-q`;
    f.queues.add(q);
    // A full queue that rejects publishes makes RabbitMQ nack the confirm.
    await f.amqp.channel.assertQueue(q, {
      durable: false,
      arguments: { 'x-max-length': 0, 'x-overflow': 'reject-publish' },
    });
    await f.amqp.channel.bindQueue(q, 'amq.topic', `${t}.#`);
    const { client } = await raw(uniqueId('pub'), true);
    client.sendPublish(`${t}/x`, 'nacked', 1, 42);
    await within(client.closed, 5000, 'connection closed after a nack');
    await assert.rejects(client.next((p) => p.cmd === 'puback', 'PUBACK', 1));
  });

  it('QoS 1 publishes stay fast while a client of the same user consumes', async function () {
    const t = uniqueId('latency');
    const pub = await mqttClient();
    const sub = await mqttClient();
    const inbox = new Inbox(sub);
    await sub.subscribeAsync({ [t]: { qos: 1 } });
    const started = Date.now();
    for (let i = 0; i < 100; i++) await pub.publishAsync(t, `m${i}`, { qos: 1 });
    const ms = Date.now() - started;
    await inbox.waitCount(100);
    // Each publish is one confirm round trip on loopback (~1 ms); Nagle on the AMQP socket made it ~40 ms.
    assert.ok(ms < 2000, `100 sequential QoS 1 publishes took ${ms} ms`);
  });

  it('redelivers unacked deliveries with DUP to a reconnecting persistent session', async function () {
    const id = uniqueId('persist');
    const t = `${uniqueId('redeliver')}/t`;
    const first = await raw(id, false);
    assert.equal(first.sessionPresent, false);
    assert.deepEqual(await first.client.subscribe([{ topic: t, qos: 1 }]), [1]);
    const pub = await mqttClient();
    for (const m of ['r1', 'r2', 'r3']) await pub.publishAsync(t, m, { qos: 1 });
    const before = await first.client.publishes(3);
    assert.deepEqual(texts(before), ['r1', 'r2', 'r3']);
    assert.ok(before.every((p) => p.qos === 1 && !p.dup));
    // Gone without a PUBACK: RabbitMQ must keep all three.
    await first.client.destroy();

    const second = await raw(id, false);
    assert.equal(second.sessionPresent, true);
    const again = await second.client.publishes(3);
    assert.deepEqual(texts(again), ['r1', 'r2', 'r3']);
    assert.ok(
      again.every((p) => p.dup),
      'redelivered messages carry DUP [MQTT-3.3.1-1]',
    );
    for (const p of again) second.client.puback(p.messageId!);
    await second.client.disconnect();

    // Acked ones are gone: the next delivery is the new message, not a redelivery.
    const third = await raw(id, false);
    assert.equal(third.sessionPresent, true);
    await pub.publishAsync(t, 'fresh', { qos: 1 });
    const [next] = await third.client.publishes(1);
    assert.equal(next.payload.toString(), 'fresh');
    assert.equal(next.dup, false);
    third.client.puback(next.messageId!);
    await third.client.disconnect();
  });

  it('keeps messages published while a persistent session is offline', async function () {
    const id = uniqueId('offline');
    const t = `${uniqueId('offline')}/t`;
    const first = await raw(id, false);
    await first.client.subscribe([{ topic: t, qos: 1 }]);
    await first.client.disconnect();

    const pub = await mqttClient();
    for (let i = 0; i < 10; i++) await pub.publishAsync(t, `off${i}`, { qos: 1 });
    await f.amqp.publish(t.replace('/', '.'), 'from-amqp', { deliveryMode: 2 });
    const q = await queueInfo(sessionQueue(id));
    assert.equal(q?.ready, 11, 'the offline session queue holds the messages');

    const back = await raw(id, false);
    assert.equal(back.sessionPresent, true);
    const got = await back.client.publishes(11);
    assert.deepEqual(texts(got), [...Array.from({ length: 10 }, (_, i) => `off${i}`), 'from-amqp']);
    assert.ok(got.every((p) => p.qos === 1 && !p.dup && p.topic === t));
    for (const p of got) back.client.puback(p.messageId!);
    await back.client.disconnect();
  });

  it('bounds unacked deliveries by the in-flight window (5)', async function () {
    const small = await startAdapter({ ...VHOST_ENV, MQTT_ADAPTER_INFLIGHT_WINDOW: '5' });
    try {
      const id = uniqueId('window');
      const t = `${uniqueId('window')}/t`;
      const { client } = await raw(id, false, small.ports.mqtt);
      await client.subscribe([{ topic: t, qos: 1 }]);
      for (let i = 0; i < 20; i++) await f.amqp.publish(t.replace('/', '.'), `w${i}`, { deliveryMode: 2 });
      await until(
        async () => {
          const q = await queueInfo(sessionQueue(id));
          return q?.ready === 15 && q.unacked === 5;
        },
        'RabbitMQ to hold 15 ready and 5 unacked',
        10_000,
      );
      const firstFive = await client.publishes(5);
      assert.equal(client.pendingPublishes.length, 0, 'more than 5 deliveries in flight');
      // Each PUBACK lets exactly one more through.
      client.puback(firstFive[0].messageId!);
      const [sixth] = await client.publishes(1);
      assert.equal(sixth.payload.toString(), 'w5');
      const q = await queueInfo(sessionQueue(id));
      assert.equal(q?.unacked, 5);
      assert.equal(client.pendingPublishes.length, 0);
      const all = [...firstFive, sixth];
      for (const p of all.slice(1)) client.puback(p.messageId!);
      while (all.length < 20) {
        const [p] = await client.publishes(1);
        all.push(p);
        client.puback(p.messageId!);
      }
      assert.deepEqual(
        texts(all),
        Array.from({ length: 20 }, (_, i) => `w${i}`),
      );
      await client.disconnect();
    } finally {
      await small.stop();
    }
  });
});
