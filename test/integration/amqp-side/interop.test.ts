import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { uniqueId } from '../helpers/adapter';
import { Inbox } from './clients';
import { useFixture } from './fixture';

/**
 * AMQP and MQTT clients share `amq.topic` exactly as with RabbitMQ's MQTT
 * plugin: `/` and `.` trade places, `+` is `*` and `#` is `#`.
 */
describe('amqp-side: AMQP interop through amq.topic', function () {
  const f = useFixture();
  const client = (): Promise<MqttClient> => f.mqtt();

  for (const qos of [0, 1] as const) {
    it(`an AMQP publish with routing key a.b reaches MQTT subscribers of a/b and a/+ (QoS ${qos})`, async function () {
      const a = uniqueId('a');
      const exact = await client();
      const wild = await client();
      const exactInbox = new Inbox(exact);
      const wildInbox = new Inbox(wild);
      await exact.subscribeAsync({ [`${a}/b`]: { qos } });
      await wild.subscribeAsync({ [`${a}/+`]: { qos } });
      await f.amqp.publish(`${a}.b`, 'from-amqp', { deliveryMode: 2 });
      await f.amqp.publish(`${a}.b.c`, 'too-deep');
      await f.amqp.publish(`${a}.z`, 'other-leaf');
      const [e] = await exactInbox.waitCount(1);
      assert.equal(e.topic, `${a}/b`);
      assert.equal(e.payload, 'from-amqp');
      // A persistent AMQP message counts as QoS 1, capped by the subscription's grant.
      assert.equal(e.packet.qos, qos);
      await wildInbox.waitFor('other-leaf');
      assert.deepEqual(wildInbox.messages.map((m) => [m.topic, m.payload]).sort(), [
        [`${a}/b`, 'from-amqp'],
        [`${a}/z`, 'other-leaf'],
      ]);
      // `a/b` does not match a.b.c nor a.z: the sentinel below arrives after anything that would.
      await f.amqp.publish(`${a}.b`, 'sentinel');
      await exactInbox.waitFor('sentinel');
      assert.deepEqual(exactInbox.payloads(), ['from-amqp', 'sentinel']);
    });
  }

  it('a transient AMQP message reaches a QoS 1 subscriber as QoS 0', async function () {
    const t = uniqueId('transient');
    const c = await client();
    const inbox = new Inbox(c);
    await c.subscribeAsync({ [`${t}/#`]: { qos: 1 } });
    await f.amqp.publish(`${t}.x`, 'transient', { deliveryMode: 1 });
    await f.amqp.publish(`${t}.y`, 'persistent', { deliveryMode: 2 });
    assert.equal((await inbox.waitFor('transient')).packet.qos, 0);
    assert.equal((await inbox.waitFor('persistent')).packet.qos, 1);
  });

  it('an MQTT publish to x/y reaches an AMQP queue bound with x.#, keeping QoS as a header', async function () {
    const x = uniqueId('x');
    const q = await f.amqp.consumeBound([`${x}.#`]);
    const c = await client();
    await c.publishAsync(`${x}/y`, 'q1', { qos: 1 });
    await c.publishAsync(`${x}/y/z`, 'q0', { qos: 0 });
    await c.publishAsync(`${x}`, 'parent', { qos: 1 });
    const got = await q.waitFor(3);
    const byBody = new Map(got.map((m) => [m.content.toString(), m]));
    assert.equal(byBody.get('q1')?.fields.routingKey, `${x}.y`);
    assert.equal(byBody.get('q1')?.properties.deliveryMode, 2);
    assert.equal(byBody.get('q1')?.properties.headers?.['x-mqtt-publish-qos'], 1);
    assert.equal(byBody.get('q0')?.fields.routingKey, `${x}.y.z`);
    assert.equal(byBody.get('q0')?.properties.deliveryMode, 1);
    // `#` matches zero or more words, as MQTT's `x/#` matches `x`.
    assert.equal(byBody.get('parent')?.fields.routingKey, x);
  });

  it('dots in MQTT topics are slashes on the AMQP side, both ways', async function () {
    const base = uniqueId('dots');
    const q = await f.amqp.consumeBound([`${base}.*`]);
    const c = await client();
    const inbox = new Inbox(c);
    await c.subscribeAsync({ [`${base}/v1.2`]: { qos: 1 } });
    await c.publishAsync(`${base}/v1.2`, 'dotted', { qos: 1 });
    const [m] = await q.waitFor(1);
    assert.equal(m.fields.routingKey, `${base}.v1/2`);
    // The MQTT subscriber sees its own topic back, dot included.
    assert.equal((await inbox.waitFor('dotted')).topic, `${base}/v1.2`);
    await f.amqp.publish(`${base}.v1/2`, 'from-amqp');
    assert.equal((await inbox.waitFor('from-amqp')).topic, `${base}/v1.2`);
  });

  it('# and + filters become # and * binding keys', async function () {
    const base = uniqueId('wild');
    const hash = await client();
    const plus = await client();
    const hashInbox = new Inbox(hash);
    const plusInbox = new Inbox(plus);
    await hash.subscribeAsync({ [`${base}/#`]: { qos: 0 } });
    await plus.subscribeAsync({ [`${base}/+/end`]: { qos: 0 } });
    for (const key of [`${base}.end`, `${base}.mid.end`, `${base}.a.b.end`]) await f.amqp.publish(key, key);
    await hashInbox.waitCount(3);
    await plusInbox.waitFor(`${base}.mid.end`);
    await f.amqp.publish(`${base}.z.end`, 'sentinel');
    await plusInbox.waitFor('sentinel');
    assert.deepEqual(plusInbox.payloads(), [`${base}.mid.end`, 'sentinel']);
  });
});
