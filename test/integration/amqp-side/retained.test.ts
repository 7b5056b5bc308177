import assert from 'node:assert/strict';
import { uniqueId } from '../helpers/adapter';
import { Inbox } from './clients';
import { useFixture } from './fixture';

/** Retained messages: stored once RabbitMQ has the publish, sent on SUBSCRIBE with the retain flag. */
describe('amqp-side: retained messages', function () {
  const f = useFixture();

  it('delivers a retained message on subscribe with the retain flag [MQTT-3.3.1-8]', async function () {
    const t = `${uniqueId('retained')}/state`;
    const pub = await f.mqtt();
    await pub.publishAsync(t, 'on', { qos: 1, retain: true });
    for (const qos of [0, 1] as const) {
      const sub = await f.mqtt();
      const inbox = new Inbox(sub);
      await sub.subscribeAsync({ [t]: { qos } });
      const m = await inbox.waitFor('on');
      assert.equal(m.packet.retain, true);
      assert.equal(m.packet.qos, qos, 'a retained message goes out at min(its QoS, the grant)');
      // A live message to a subscription is not flagged retained [MQTT-3.3.1-9].
      await pub.publishAsync(t, 'live', { qos: 1 });
      assert.equal((await inbox.waitFor('live')).packet.retain, false);
    }
  });

  it('the newest retained message replaces the older one', async function () {
    const t = `${uniqueId('replace')}/state`;
    const pub = await f.mqtt();
    await pub.publishAsync(t, 'old', { qos: 1, retain: true });
    await pub.publishAsync(t, 'new', { qos: 1, retain: true });
    const sub = await f.mqtt();
    const inbox = new Inbox(sub);
    await sub.subscribeAsync({ [t]: { qos: 1 } });
    await inbox.waitFor('new');
    await pub.publishAsync(t, 'sentinel', { qos: 1 });
    await inbox.waitFor('sentinel');
    assert.deepEqual(inbox.payloads(), ['new', 'sentinel']);
  });

  it('an empty retained payload clears it [MQTT-3.3.1-10]', async function () {
    const t = `${uniqueId('cleared')}/state`;
    const pub = await f.mqtt();
    await pub.publishAsync(t, 'soon-gone', { qos: 1, retain: true });
    await pub.publishAsync(t, '', { qos: 1, retain: true });
    const sub = await f.mqtt();
    const inbox = new Inbox(sub);
    await sub.subscribeAsync({ [t]: { qos: 1 } });
    // Nothing retained arrives before a live message sent after the SUBACK.
    await pub.publishAsync(t, 'sentinel', { qos: 1 });
    await inbox.waitFor('sentinel');
    assert.deepEqual(inbox.payloads(), ['sentinel']);
  });

  it('a wildcard subscribe gets every matching retained message and no others', async function () {
    const base = uniqueId('retained-wild');
    const pub = await f.mqtt();
    const retained: Record<string, string> = {
      [`${base}/a`]: 'A',
      [`${base}/b/c`]: 'BC',
      [`${base}/b/d`]: 'BD',
      [`${base}-sibling/a`]: 'SIBLING',
      [`${base}`]: 'PARENT',
    };
    for (const [topic, payload] of Object.entries(retained))
      await pub.publishAsync(topic, payload, { qos: 1, retain: true });

    const hash = await f.mqtt();
    const hashInbox = new Inbox(hash);
    await hash.subscribeAsync({ [`${base}/#`]: { qos: 1 } });
    const plus = await f.mqtt();
    const plusInbox = new Inbox(plus);
    await plus.subscribeAsync({ [`${base}/b/+`]: { qos: 0 } });

    await pub.publishAsync(`${base}/b/sentinel`, 'sentinel', { qos: 1 });
    await hashInbox.waitFor('sentinel');
    await plusInbox.waitFor('sentinel');
    const seen = (inbox: Inbox): string[][] =>
      inbox.messages
        .filter((m) => m.packet.retain)
        .map((m) => [m.topic, m.payload])
        .sort();
    // `base/#` also matches `base` itself [MQTT-4.7.1-2].
    assert.deepEqual(seen(hashInbox), [
      [base, 'PARENT'],
      [`${base}/a`, 'A'],
      [`${base}/b/c`, 'BC'],
      [`${base}/b/d`, 'BD'],
    ]);
    assert.deepEqual(seen(plusInbox), [
      [`${base}/b/c`, 'BC'],
      [`${base}/b/d`, 'BD'],
    ]);
  });
});
