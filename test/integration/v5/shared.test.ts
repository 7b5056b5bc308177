import { strict as assert } from 'node:assert';
import { startAdapter, uniqueId } from '../helpers/adapter';
import { deleteQueues } from '../helpers/rabbit';
import type { Adapter } from '../../../adapter/src/server';
import { sharedQueueName } from '../../../adapter/src/session/shared';
import { V5, uniqueTopic } from './support';
import { until } from '../helpers/wait';
import { useCleanup } from '../helpers/suite';
import { RawMqtt } from '../helpers/raw-mqtt';

/**
 * Shared subscriptions `$share/<group>/<filter>` with members on two adapter
 * instances against the same RabbitMQ: the group's one queue splits the
 * messages with none lost or duplicated, a leaving member's unacknowledged
 * messages go to the others, and no retained messages are sent.
 */
describe('MQTT 5 shared subscriptions across two adapters (issue 6)', function () {
  let a: Adapter;
  let b: Adapter;
  const queues = new Set<string>();

  /** A fresh group and filter; its queue is deleted after the suite. */
  function group(filter: string): { name: string; share: string } {
    const name = uniqueId('g');
    queues.add(sharedQueueName({ group: name, filter }));
    return { name, share: `$share/${name}/${filter}` };
  }

  before(async function () {
    a = await startAdapter();
    b = await startAdapter();
  });
  after(async function () {
    await Promise.all([a?.stop(), b?.stop()]);
    if (queues.size > 0) await deleteQueues(queues);
  });
  useCleanup();

  it('splits the messages between members on two adapters, none lost and none duplicated [MQTT-4.8.2-4]', async function () {
    const base = uniqueTopic('share');
    const { share } = group(`${base}/#`);
    const m1 = await V5.connect(a.ports.mqtt);
    const m2 = await V5.connect(b.ports.mqtt);
    assert.deepEqual(await m1.subscribe(share, { qos: 1 }), [1]);
    assert.deepEqual(await m2.subscribe(share, { qos: 1 }), [1]);
    const pub = await V5.connect(a.ports.mqtt);
    const n = 40;
    for (let i = 0; i < n; i++) await pub.publish(`${base}/${i % 4}`, `s${i}`, { qos: 1 });
    const all = (): string[] => [...m1.payloads(), ...m2.payloads()];
    await until(() => all().length >= n, `${n} messages across the group (have ${all().length})`, 10_000);
    assert.equal(all().length, n);
    assert.equal(new Set(all()).size, n, 'no message twice');
    assert.ok(
      m1.received.length > 0 && m2.received.length > 0,
      `split ${m1.received.length}/${m2.received.length}`,
    );
    for (const m of [...m1.received, ...m2.received]) {
      assert.ok(m.topic.startsWith(`${base}/`), 'the topic is the published one, not the $share filter');
    }
  });

  it('gives each group its own copy [MQTT-4.8.2-4]', async function () {
    const topic = uniqueTopic('groups');
    const g1 = group(topic);
    const g2 = group(topic);
    const x = await V5.connect(a.ports.mqtt);
    const y = await V5.connect(b.ports.mqtt);
    await x.subscribe(g1.share, { qos: 1 });
    await y.subscribe(g2.share, { qos: 1 });
    const pub = await V5.connect(b.ports.mqtt);
    for (let i = 0; i < 5; i++) await pub.publish(topic, `c${i}`, { qos: 1 });
    await x.waitCount(5);
    await y.waitCount(5);
    assert.deepEqual(x.payloads().sort(), y.payloads().sort());
  });

  it("sends a leaving member's unacknowledged QoS 1 messages to another member [MQTT-4.8.2-5]", async function () {
    const topic = uniqueTopic('share-leave');
    const { share } = group(topic);
    // A member that takes messages and never acknowledges them.
    const { client: holder } = await RawMqtt.connect5(a.ports.mqtt, { properties: { receiveMaximum: 3 } });
    holder.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: share, qos: 1 }] });
    await holder.nextOf('suback');
    const other = await V5.connect(b.ports.mqtt);
    await other.subscribe(share, { qos: 1 });
    const pub = await V5.connect(a.ports.mqtt);
    const n = 12;
    for (let i = 0; i < n; i++) await pub.publish(topic, `u${i}`, { qos: 1 });
    await holder.nextOf('publish');
    const held = holder.all('publish').map((p) => p.payload.toString());
    assert.ok(held.length >= 1 && held.length <= 3, `the holder has ${held.length} unacknowledged`);
    holder.socket.destroy();
    await holder.closed;
    await other.waitCount(n, 10_000);
    assert.equal(new Set(other.payloads()).size, n, 'every message reaches the remaining member');
    for (const p of held) assert.ok(other.payloads().includes(p), `${p} was redelivered`);
  });

  it("sends a leaving member's QoS 2 messages it had not PUBRECed to another member", async function () {
    const topic = uniqueTopic('share-leave2');
    const { share } = group(topic);
    const { client: holder } = await RawMqtt.connect5(a.ports.mqtt, { properties: { receiveMaximum: 2 } });
    holder.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: share, qos: 2 }] });
    assert.deepEqual((await holder.nextOf('suback')).granted, [2]);
    const other = await V5.connect(b.ports.mqtt);
    await other.subscribe(share, { qos: 2 });
    const pub = await V5.connect(b.ports.mqtt);
    const n = 8;
    for (let i = 0; i < n; i++) await pub.publish(topic, `q${i}`, { qos: 2 });
    const first = await holder.nextOf('publish');
    assert.equal(first.qos, 2);
    holder.socket.destroy();
    await holder.closed;
    await other.waitCount(n, 10_000);
    assert.equal(new Set(other.payloads()).size, n, 'every message reaches the remaining member once');
    assert.ok(other.payloads().includes(first.payload.toString()));
  });

  it('carries the Subscription Identifier of a shared subscription, once per message with an overlapping ordinary one [MQTT-3.3.4-3]', async function () {
    const topic = uniqueTopic('share-subid');
    const { share } = group(topic);
    const m = await V5.connect(a.ports.mqtt);
    await m.subscribe(share, { qos: 1, properties: { subscriptionIdentifier: 9 } });
    await m.subscribe(topic, { qos: 1, properties: { subscriptionIdentifier: 10 } });
    const pub = await V5.connect(b.ports.mqtt);
    await pub.publish(topic, 'to-both', { qos: 1 });
    // One copy for the shared subscription and one for the ordinary one, each with its own id.
    const got = await m.waitCount(2);
    assert.deepEqual(
      got.map((x) => [x.payload.toString(), [x.properties?.subscriptionIdentifier].flat()]).sort(),
      [
        ['to-both', [10]],
        ['to-both', [9]],
      ],
    );
  });

  it('sends no retained messages on a shared subscription (section 4.8.2)', async function () {
    const topic = uniqueTopic('share-retain');
    const { share } = group(topic);
    const pub = await V5.connect(a.ports.mqtt);
    await pub.publish(topic, 'retained-one', { qos: 1, retain: true });
    try {
      // On the adapter that holds the retained message (the memory store is per process).
      const m = await V5.connect(a.ports.mqtt);
      const plain = await V5.connect(a.ports.mqtt);
      await m.subscribe(share, { qos: 1 });
      // An ordinary subscriber on the same adapter does get it, so it is there to send.
      await plain.subscribe(topic, { qos: 1 });
      await plain.waitFor('retained-one');
      await pub.publish(topic, 'live', { qos: 1 });
      await m.waitFor('live');
      assert.deepEqual(m.payloads(), ['live']);
    } finally {
      await pub.publish(topic, '', { qos: 1, retain: true });
    }
  });
});
