import assert from 'node:assert/strict';
import { uniqueId } from '../helpers/adapter';
import { consumerCount } from './consumer-count';
import { sessionQueue, useFixture } from './fixture';
import { queueInfo, queueNames } from './vhost';
import { until } from '../helpers/wait';
import type { RawMqtt } from '../helpers/raw-mqtt';

/** What a session leaves in RabbitMQ: the plugin-compatible durable queue, or nothing. */
describe('amqp-side: session queues in RabbitMQ', function () {
  const f = useFixture();

  const raw = async (clientId: string, clean: boolean): Promise<{ client: RawMqtt; present: boolean }> => {
    const { client, connack } = await f.raw({ clientId, clean });
    assert.equal(connack.returnCode, 0);
    return { client, present: connack.sessionPresent };
  };

  it('a persistent session is the durable queue mqtt-subscription-<clientId>qos1, kept while away', async function () {
    const id = uniqueId('durable');
    const { client } = await raw(id, false);
    await client.subscribe([
      { topic: `${id}/a`, qos: 1 },
      { topic: `${id}/b`, qos: 0 },
    ]);
    const q = await queueInfo(sessionQueue(id));
    assert.ok(q, `no queue ${sessionQueue(id)}`);
    assert.equal(q.durable, true);
    assert.equal(q.consumers, 1);
    // Both QoS 0 and QoS 1 subscriptions of a persistent session are bindings of this one queue.
    assert.equal((await queueNames()).filter((n) => n.includes(id)).length, 1);
    await client.disconnect();
    await until(
      async () => (await queueInfo(sessionQueue(id)))?.consumers === 0,
      'the consumer to go once the client left',
    );
    assert.ok(await queueInfo(sessionQueue(id)), 'the persistent queue went away with its client');
  });

  it('a clean session leaves no queue behind', async function () {
    const id = uniqueId('clean');
    const { client, present } = await raw(id, true);
    assert.equal(present, false);
    await client.subscribe([{ topic: `${id}/q1`, qos: 1 }]);
    const q = await queueInfo(sessionQueue(id));
    assert.ok(q, 'a clean session subscribed at QoS 1 has a queue while connected');
    assert.equal(q.durable, false);
    await client.disconnect();
    await until(
      async () => (await queueInfo(sessionQueue(id))) === undefined,
      'the clean queue to be deleted',
    );
  });

  it('a clean session that drops without DISCONNECT leaves no queue behind either', async function () {
    const id = uniqueId('clean-drop');
    const { client } = await raw(id, true);
    await client.subscribe([{ topic: `${id}/q1`, qos: 1 }]);
    assert.ok(await queueInfo(sessionQueue(id)));
    await client.destroy();
    await until(
      async () => (await queueInfo(sessionQueue(id))) === undefined,
      'the clean queue to be deleted',
    );
  });

  it('a clean reconnect of a former persistent client gets no session and drops its old queue', async function () {
    const id = uniqueId('was-persistent');
    const t = `${id}/t`;
    const first = await raw(id, false);
    await first.client.subscribe([{ topic: t, qos: 1 }]);
    await first.client.disconnect();
    const pub = await f.mqtt();
    await pub.publishAsync(t, 'stale', { qos: 1 });
    assert.equal((await queueInfo(sessionQueue(id)))?.ready, 1);

    // [MQTT-3.2.2-1] clean session: session present is 0 and the old state is gone.
    const clean = await raw(id, true);
    assert.equal(clean.present, false);
    await until(
      async () => (await queueInfo(sessionQueue(id))) === undefined,
      'the old durable queue to be deleted',
    );
    // The old subscription is gone too: the stale message and new publishes to `t` do not arrive.
    await clean.client.subscribe([{ topic: `${id}/other`, qos: 1 }]);
    await pub.publishAsync(t, 'after-clean', { qos: 1 });
    await pub.publishAsync(`${id}/other`, 'sentinel', { qos: 1 });
    const [p] = await clean.client.publishes(1);
    assert.equal(p.payload.toString(), 'sentinel');
    clean.client.puback(p.messageId!);
    await clean.client.disconnect();

    // And a later persistent reconnect starts from nothing as well.
    const later = await raw(id, false);
    assert.equal(later.present, false);
    await later.client.disconnect();
  });

  it('a persistent session resumes its subscriptions without subscribing again', async function () {
    const id = uniqueId('resume');
    const t = `${id}/t`;
    const first = await raw(id, false);
    await first.client.subscribe([{ topic: t, qos: 1 }]);
    await first.client.disconnect();
    const again = await raw(id, false);
    assert.equal(again.present, true);
    const pub = await f.mqtt();
    await pub.publishAsync(t, 'live', { qos: 1 });
    const [p] = await again.client.publishes(1);
    assert.equal(p.payload.toString(), 'live');
    again.client.puback(p.messageId!);
    await again.client.disconnect();
  });

  it('a persistent QoS 0 subscription is a binding of the session queue and keeps messages while away', async function () {
    const id = uniqueId('persistent-q0');
    const t = `${id}/t`;
    const first = await raw(id, false);
    assert.deepEqual(await first.client.subscribe([{ topic: t, qos: 0 }]), [0]);
    await first.client.disconnect();
    await f.amqp.publish(t.replace('/', '.'), 'kept', { deliveryMode: 2 });
    const back = await raw(id, false);
    assert.equal(back.present, true);
    const [p] = await back.client.publishes(1);
    assert.equal(p.payload.toString(), 'kept');
    assert.equal(p.qos, 0, 'delivered at the granted QoS 0');
    await back.client.disconnect();
  });

  it('a takeover by the same client id moves the session to the new connection [MQTT-3.1.4-2]', async function () {
    const id = uniqueId('takeover');
    const t = `${id}/t`;
    const first = await raw(id, false);
    await first.client.subscribe([{ topic: t, qos: 1 }]);
    const second = await raw(id, false);
    assert.equal(second.present, true);
    await first.client.closed;
    const sub = await f.mqtt();
    await sub.publishAsync(t, 'to-new-owner', { qos: 1 });
    const [p] = await second.client.publishes(1);
    assert.equal(p.payload.toString(), 'to-new-owner');
    second.client.puback(p.messageId!);
    const q = await queueInfo(sessionQueue(id));
    assert.equal(q?.consumers, 1, 'exactly one consumer after a takeover');
    await second.client.disconnect();
  });

  describe('with quorum queues and a short session expiry', function () {
    const q = useFixture({ MQTT_ADAPTER_QUEUE_TYPE: 'quorum', MQTT_ADAPTER_SESSION_EXPIRY_MAX: '3' });

    it('declares the session queue as a durable quorum queue, x-expires the longest expiry plus an hour', async function () {
      const id = uniqueId('quorum');
      const { client } = await q.raw({ clientId: id, clean: false });
      await client.subscribe([{ topic: `${id}/t`, qos: 1 }]);
      const info = await queueInfo(sessionQueue(id));
      assert.equal(info?.type, 'quorum');
      assert.equal(info?.durable, true);
      assert.match(info?.arguments ?? '', /"x-expires",3603000\b/);
      await client.disconnect();
    });

    it('redelivers unacked messages from a quorum queue with DUP', async function () {
      const id = uniqueId('quorum-dup');
      const t = `${id}/t`;
      const first = await q.raw({ clientId: id, clean: false });
      await first.client.subscribe([{ topic: t, qos: 1 }]);
      await q.amqp.publish(t.replace('/', '.'), 'q-msg', { deliveryMode: 2 });
      const [p] = await first.client.publishes(1);
      assert.equal(p.dup, false);
      await first.client.destroy();
      const again = await q.raw({ clientId: id, clean: false });
      assert.equal(again.connack.sessionPresent, true);
      const [r] = await again.client.publishes(1);
      assert.equal(r.payload.toString(), 'q-msg');
      assert.equal(r.dup, true);
      again.client.puback(r.messageId!);
      await again.client.disconnect();
    });

    it('a session whose queue expired comes back consistent: present and subscribed, or gone', async function () {
      this.timeout(30_000);
      const id = uniqueId('expired');
      const t = `${id}/t`;
      const first = await q.raw({ clientId: id, clean: false });
      await first.client.subscribe([{ topic: t, qos: 1 }]);
      await first.client.disconnect();
      await until(
        async () => (await queueInfo(sessionQueue(id))) === undefined,
        'RabbitMQ to expire the queue',
        20_000,
      );
      const back = await q.raw({ clientId: id, clean: false });
      if (back.connack.sessionPresent) {
        // The queue is declared and bound again after CONNACK, while the session resumes. Its consumer is
        // read from queue.declare-ok: list_queues would show it only at the new quorum queue's first tick.
        await until(
          async () => (await consumerCount(q.amqp.connection, sessionQueue(id))) === 1,
          'the queue to be back with its consumer',
        );
        await q.amqp.publish(t.replace('/', '.'), 'after-expiry', { deliveryMode: 2 });
        const [p] = await back.client.publishes(1);
        assert.equal(p.payload.toString(), 'after-expiry', 'session present but its subscription is gone');
        back.client.puback(p.messageId!);
      } else {
        assert.deepEqual(await back.client.subscribe([{ topic: `${id}/s`, qos: 1 }]), [1]);
        await q.amqp.publish(t.replace('/', '.'), 'after-expiry', { deliveryMode: 2 });
        await q.amqp.publish(`${id}.s`, 'sentinel', { deliveryMode: 2 });
        const [p] = await back.client.publishes(1);
        assert.equal(p.payload.toString(), 'sentinel', 'no session, yet the old subscription delivered');
        back.client.puback(p.messageId!);
      }
      await back.client.disconnect();
    });
  });
});
