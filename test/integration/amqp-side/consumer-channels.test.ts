import assert from 'node:assert/strict';
import type { IPublishPacket } from 'mqtt-packet';
import { uniqueId } from '../helpers/adapter';
import { Inbox } from './clients';
import { sessionQueue, useFixture } from './fixture';
import { listConsumers as consumers } from './consumer-count';

const texts = (ps: IPublishPacket[]): string[] => ps.map((p) => p.payload.toString());

/** Clients of one user consume on shared AMQP channels, each consumer with its own prefetch. */
describe('amqp-side: shared consumer channels', function () {
  const f = useFixture();

  it('puts the consumers of two clients on one channel, each with its own window', async function () {
    const a = uniqueId('share-a');
    const b = uniqueId('share-b');
    const ca = await f.mqtt({ clientId: a, clean: false });
    // Receive Maximum 2 makes this client's prefetch 2; the v3.1.1 client gets the in-flight window.
    const cb = await f.mqtt({
      clientId: b,
      clean: false,
      protocolVersion: 5,
      properties: { receiveMaximum: 2 },
    });
    f.queues.add(sessionQueue(a)).add(sessionQueue(b));
    await ca.subscribeAsync({ [`${a}/t`]: { qos: 1 } });
    await cb.subscribeAsync({ [`${b}/t`]: { qos: 1 } });
    const rows = await consumers([sessionQueue(a), sessionQueue(b)]);
    const ra = rows.get(sessionQueue(a));
    const rb = rows.get(sessionQueue(b));
    assert.ok(ra && rb, `consumers listed: ${JSON.stringify([...rows])}`);
    assert.equal(ra.channel, rb.channel, 'both consumers on one channel');
    assert.equal(ra.prefetch, 64);
    assert.equal(rb.prefetch, 2);
  });

  it("gives a leaving client's unacked deliveries back while its neighbour keeps receiving", async function () {
    const id = uniqueId('leaver');
    const t = uniqueId('leave');
    const first = await f.raw({ clientId: id, clean: false });
    assert.deepEqual(await first.client.subscribe([{ topic: `${t}/mine`, qos: 1 }]), [1]);
    const neighbour = await f.mqtt({ clientId: uniqueId('neighbour') });
    const inbox = new Inbox(neighbour);
    await neighbour.subscribeAsync({ [`${t}/theirs`]: { qos: 1 } });
    const rows = await consumers([sessionQueue(id)]);
    assert.ok(rows.get(sessionQueue(id)));

    const pub = await f.mqtt();
    for (const m of ['u1', 'u2', 'u3']) await pub.publishAsync(`${t}/mine`, m, { qos: 1 });
    assert.deepEqual(texts(await first.client.publishes(3)), ['u1', 'u2', 'u3']);
    // Gone without PUBACKs: the three must return to its queue, and only they.
    await first.client.destroy();
    await pub.publishAsync(`${t}/theirs`, 'still-here', { qos: 1 });
    await inbox.waitFor('still-here');

    const second = await f.raw({ clientId: id, clean: false });
    assert.equal(second.connack.sessionPresent, true);
    const again = await second.client.publishes(3);
    assert.deepEqual(texts(again), ['u1', 'u2', 'u3']);
    assert.ok(again.every((p) => p.dup));
    for (const p of again) second.client.puback(p.messageId!);
    await pub.publishAsync(`${t}/theirs`, 'after', { qos: 1 });
    await inbox.waitFor('after');
    await second.client.disconnect();
  });
});
