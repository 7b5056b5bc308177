import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { uniqueId } from '../helpers/adapter';
import { fetchMetrics, metricValue, rssClimbMb, useChildAdapter } from './child-adapter';
import { Inbox } from './clients';
import { useFixture } from './fixture';
import { queueNames } from './vhost';
import { flood } from './flood';
import { until } from '../helpers/wait';

const MB = 1024 * 1024;

/** Clean-session QoS 0 subscriptions ride one per-pod queue, and a slow client loses only its own QoS 0. */
describe('amqp-side: QoS 0 fast path', function () {
  const f = useFixture();
  const client = (clientId = uniqueId('fast')): Promise<MqttClient> => f.mqtt({ clientId, clean: true });

  it('two clean QoS 0 subscribers get no queue each and both receive everything', async function () {
    const t = uniqueId('fast');
    const idA = uniqueId('fast-a');
    const idB = uniqueId('fast-b');
    const a = await client(idA);
    const b = await client(idB);
    const inboxA = new Inbox(a);
    const inboxB = new Inbox(b);
    await a.subscribeAsync({ [`${t}/+`]: { qos: 0 } });
    await b.subscribeAsync({ [`${t}/x`]: { qos: 0 } });
    const pub = await client();
    for (let i = 0; i < 50; i++) await pub.publishAsync(`${t}/x`, `m${i}`, { qos: 0 });
    await f.amqp.publish(`${t}.x`, 'from-amqp');
    const expected = [...Array.from({ length: 50 }, (_, i) => `m${i}`), 'from-amqp'];
    await inboxA.waitCount(51);
    await inboxB.waitCount(51);
    // The AMQP message comes over another connection, so only the MQTT publisher's order is fixed.
    for (const inbox of [inboxA, inboxB]) {
      assert.deepEqual(
        inbox.payloads().filter((p) => p !== 'from-amqp'),
        expected.slice(0, 50),
      );
      assert.deepEqual([...inbox.payloads()].sort(), [...expected].sort());
    }
    assert.ok(inboxA.messages.every((m) => m.packet.qos === 0));
    const names = await queueNames();
    for (const id of [idA, idB]) {
      assert.deepEqual(
        names.filter((n) => n.startsWith(`mqtt-subscription-${id}`)),
        [],
        `a queue for ${id}`,
      );
    }
  });

  it('unsubscribe stops delivery to that client only', async function () {
    const t = uniqueId('unsub');
    const a = await client();
    const b = await client();
    const inboxA = new Inbox(a);
    const inboxB = new Inbox(b);
    await a.subscribeAsync({ [`${t}/data`]: { qos: 0 }, [`${t}/sentinel`]: { qos: 0 } });
    await b.subscribeAsync({ [`${t}/data`]: { qos: 0 } });
    const pub = await client();
    await pub.publishAsync(`${t}/data`, 'before', { qos: 0 });
    await inboxA.waitFor('before');
    await a.unsubscribeAsync(`${t}/data`);
    await pub.publishAsync(`${t}/data`, 'after', { qos: 0 });
    // One publisher, one fast-path queue: the sentinel arrives after anything published before it.
    await pub.publishAsync(`${t}/sentinel`, 'sentinel', { qos: 0 });
    await inboxA.waitFor('sentinel');
    await inboxB.waitFor('after');
    assert.deepEqual(inboxA.payloads(), ['before', 'sentinel']);
    assert.deepEqual(inboxB.payloads(), ['before', 'after']);
  });

  it('the last unsubscribe of a key removes its binding; a later subscribe gets it back', async function () {
    const t = uniqueId('rebind');
    const a = await client();
    const inbox = new Inbox(a);
    await a.subscribeAsync({ [`${t}/k`]: { qos: 0 } });
    await a.unsubscribeAsync(`${t}/k`);
    await a.subscribeAsync({ [`${t}/k`]: { qos: 0 } });
    await f.amqp.publish(`${t}.k`, 'rebound');
    await inbox.waitFor('rebound');
    assert.deepEqual(inbox.payloads(), ['rebound']);
  });

  it('a fast-path and a queue subscription that overlap deliver once, at the higher QoS', async function () {
    const t = uniqueId('overlap');
    const c = await client();
    const inbox = new Inbox(c);
    await c.subscribeAsync({ [`${t}/+`]: { qos: 0 }, [`${t}/b`]: { qos: 1 } });
    await f.amqp.publish(`${t}.b`, 'both', { deliveryMode: 2 });
    await f.amqp.publish(`${t}.c`, 'fast-only', { deliveryMode: 2 });
    // A second copy would come before these: each path keeps its own order.
    await f.amqp.publish(`${t}.b`, 'sentinel-queue', { deliveryMode: 2 });
    await f.amqp.publish(`${t}.c`, 'sentinel-fast', { deliveryMode: 2 });
    await inbox.waitFor('sentinel-queue');
    await inbox.waitFor('sentinel-fast');
    assert.deepEqual(
      inbox.messages.filter((m) => m.payload === 'both').map((m) => m.packet.qos),
      [1],
    );
    assert.deepEqual(
      inbox.messages.filter((m) => m.payload === 'fast-only').map((m) => m.packet.qos),
      [0],
    );
  });

  describe('with a congested subscriber (adapter in its own process)', function () {
    const ref = useChildAdapter();

    it('drops and counts its QoS 0 messages, stays bounded in memory, and others keep receiving', async function () {
      this.timeout(60_000);
      const { child } = ref;
      const t = uniqueId('congested');
      const healthy = await f.mqtt({ clientId: uniqueId('healthy') }, child.ports.mqtt);
      let healthyCount = 0;
      let healthySawAfter = false;
      healthy.on('message', (_topic, payload) => {
        if (payload.length > 100) healthyCount++;
        else if (payload.toString() === 'after-flood') healthySawAfter = true;
      });
      await healthy.subscribeAsync({ [t]: { qos: 0 } });
      const { client: stuck } = await f.raw({ clientId: uniqueId('stuck'), clean: true }, child.ports.mqtt);
      assert.deepEqual(await stuck.subscribe([{ topic: t, qos: 0 }]), [0]);
      // From here on it never reads: the kernel buffers fill, then the adapter's.
      stuck.socket.pause();

      const { client: publisher } = await f.raw(
        { clientId: uniqueId('flooder'), clean: true },
        child.ports.mqtt,
      );
      // Buffering for the stuck client would keep each further flood's volume.
      const count = 4000;
      const size = 16 * 1024;
      let healthyBefore = 0;
      const climb = await rssClimbMb(child, async () => {
        await flood(publisher, t, count, size);
        // Let the adapter work through what RabbitMQ still has queued for it.
        await until(
          () => healthyCount >= healthyBefore + count * 0.5,
          `the healthy subscriber (${healthyCount - healthyBefore} of ${count})`,
          20_000,
        );
        healthyBefore = healthyCount;
      });
      await until(
        async () => {
          await publisher.publish(t, 'after-flood', 1);
          return healthySawAfter;
        },
        'the healthy subscriber to receive after the flood',
        10_000,
      );
      const dropped = metricValue(await fetchMetrics(child.ports.http), 'mqtt_adapter_qos0_dropped_total');
      const volume = (count * size) / MB;
      // The stuck client can hold only what fits its kernel buffers and the adapter's congestion mark.
      assert.ok(dropped >= count * 3 * 0.8, `only ${dropped} of ${count * 3} counted as dropped`);
      assert.ok(
        climb < volume,
        `adapter RSS peak climbed ${climb.toFixed(0)} MB over two ${volume} MB floods`,
      );
      assert.equal(stuck.isClosed, false, 'a congested QoS 0 subscriber is not disconnected for it');
    });
  });
});
