import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { uniqueId } from '../helpers/adapter';
import { addUser, deleteUser, setPermissions } from '../helpers/rabbit';
import { listConsumers } from './consumer-count';
import { RawMqtt } from '../helpers/raw-mqtt';
import { within } from '../helpers/wait';
import { Inbox } from './clients';
import { sessionQueue, useFixture } from './fixture';
import { VHOST } from './vhost';

const SUBACK_FAILURE = 0x80;
const NOT_AUTHORIZED = 0x87;
const NEIGHBOURS = 99;
const MESSAGES = 10;

/** The channels RabbitMQ lists the consumers of these queues on. */
async function consumerChannels(queues: string[]): Promise<Set<string>> {
  return new Set([...(await listConsumers(queues)).values()].map((row) => row.channel));
}

/**
 * Up to 100 clients of one user put their consumers on one AMQP channel, and
 * RabbitMQ answers a refused basic.consume by closing the channel it came on.
 * A client whose queue its user may not read must hear a SUBACK failure and
 * nothing more; its neighbours on that channel must not notice.
 */
describe('amqp-side: a refused consume stays with its client', function () {
  const user = uniqueId('mqtt-consume-user');
  const password = uniqueId('pw');
  const unreadable = uniqueId('unreadable');
  const f = useFixture();

  before(async function () {
    await addUser(user, password);
    // Everything but the session queues (sessionQueue) of clients whose id starts with `unreadable`.
    await setPermissions(user, '.*', '.*', `^(?!mqtt-subscription-${unreadable}).*`, VHOST);
  });

  after(async function () {
    await deleteUser(user);
  });

  it(`refuses the SUBSCRIBE (0x80, v5 0x87) while ${NEIGHBOURS} neighbours on its consumer channel lose nothing`, async function () {
    this.timeout(120_000);
    const prefix = uniqueId('neighbour');
    const ids = Array.from({ length: NEIGHBOURS }, (_, i) => `${prefix}-${i}`);
    const topic = (i: number): string => `${prefix}/${i}`;
    const neighbours = await Promise.all(
      ids.map((clientId) => f.mqtt({ clientId, username: user, password })),
    );
    const inboxes = neighbours.map((c) => new Inbox(c));
    let disconnected = 0;
    for (const c of neighbours) c.on('close', () => disconnected++);
    await Promise.all(neighbours.map((c, i) => c.subscribeAsync({ [topic(i)]: { qos: 1 } })));
    const queues = ids.map(sessionQueue);
    const shared = await consumerChannels(queues);
    assert.equal(shared.size, 1, `the neighbours consume on ${shared.size} channels`);

    const publisher = await f.mqtt();
    const traffic = publishNumbered(publisher, NEIGHBOURS, topic);
    // Refused over and over, at both protocol levels, while the neighbours' messages flow.
    for (let round = 0; round < 3; round++) {
      const v3 = await f.raw({
        clientId: `${unreadable}-v3-${round}`,
        clean: true,
        username: user,
        password,
      });
      assert.equal(v3.connack.returnCode, 0);
      assert.deepEqual(await v3.client.subscribe([{ topic: `${unreadable}/a/${round}`, qos: 1 }]), [
        SUBACK_FAILURE,
      ]);
      const v5 = await RawMqtt.connect5(f.adapter.ports.mqtt, {
        clientId: `${unreadable}-v5-${round}`,
        clean: true,
        username: user,
        password: Buffer.from(password),
      });
      assert.equal(v5.connack.reasonCode ?? 0, 0);
      assert.deepEqual(await v5.client.subscribe([{ topic: `${unreadable}/b/${round}`, qos: 1 }]), [
        NOT_AUTHORIZED,
      ]);
      // The refused client itself carries on.
      await v5.client.publish(`${unreadable}/own`, 'from-the-refused', 1);
      assert.equal(v3.client.isClosed || v5.client.isClosed, false);
      await Promise.all([v3.client.disconnect(), v5.client.disconnect()]);
    }
    await within(traffic, 60_000, 'the numbered publishes');

    let lost = 0;
    let duplicated = 0;
    const expected = Array.from({ length: MESSAGES }, (_, k) => `${k}`);
    await Promise.all(inboxes.map((inbox) => inbox.waitCount(MESSAGES, 20_000).catch(() => undefined)));
    for (const [i, inbox] of inboxes.entries()) {
      const got = inbox.payloads(topic(i));
      lost += expected.filter((m) => !got.includes(m)).length;
      duplicated += got.length - new Set(got).size;
    }
    const report = `expected ${NEIGHBOURS * MESSAGES}, lost ${lost}, duplicated ${duplicated}, disconnected ${disconnected}`;
    assert.equal(lost, 0, report);
    assert.equal(disconnected, 0, report);
    assert.equal(duplicated, 0, report);
    assert.deepEqual(await consumerChannels(queues), shared, 'the shared channel was never replaced');
  });
});

/** Publishes `0`..`MESSAGES-1` at QoS 1 to each of `n` topics, one number at a time across all topics. */
async function publishNumbered(
  publisher: MqttClient,
  n: number,
  topic: (i: number) => string,
): Promise<void> {
  for (let k = 0; k < MESSAGES; k++) {
    await Promise.all(
      Array.from({ length: n }, (_, i) => publisher.publishAsync(topic(i), `${k}`, { qos: 1 })),
    );
  }
}
