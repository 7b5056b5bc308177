import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { uniqueId } from '../helpers/adapter';
import { addUser, deleteUser, setPermissions } from '../helpers/rabbit';
import { listConsumers } from './consumer-count';
import { RawMqtt } from '../helpers/raw-mqtt';
import { within } from '../helpers/wait';
import { Inbox } from './clients';
import { sessionQueue, useFixture, type Fixture } from './fixture';
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
    const n = await neighbourhood(f, user, password);
    const traffic = publishNumbered(n.publisher, NEIGHBOURS, n.topic);
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
    await n.assertNothingLost();
    assert.deepEqual(await consumerChannels(n.queues), n.shared, 'the shared channel was never replaced');
  });

  /*
   * The check before a shared consume cannot see everything: it leaves a queue
   * with messages alone (a probe would mark them redelivered), and a queue can
   * be deleted or locked by another connection between the check and the
   * consume. Here a resumed session's queue holds messages and another AMQP
   * client consumes it exclusively, so RabbitMQ refuses the adapter's consume
   * (405) on the shared channel and closes it: the neighbours' consumers move
   * to a new channel, and what they had in flight is neither lost nor sent twice.
   */
  it(`moves ${NEIGHBOURS} neighbours to a new channel when RabbitMQ closes theirs over a refused consume`, async function () {
    this.timeout(120_000);
    const n = await neighbourhood(f, user, password);
    const locked = uniqueId('locked');
    const first = await f.raw({ clientId: locked, clean: false, username: user, password });
    await first.client.subscribe([{ topic: `${locked}/t`, qos: 1 }]);
    await first.client.disconnect();
    for (let k = 0; k < 3; k++) await n.publisher.publishAsync(`${locked}/t`, `held-${k}`, { qos: 1 });
    const holder = await f.amqp.connection.createChannel();
    try {
      await holder.prefetch(1);
      await holder.consume(sessionQueue(locked), () => undefined, { exclusive: true });
      const traffic = publishNumbered(n.publisher, NEIGHBOURS, n.topic);
      // The refused resume ends that client's connection (before or after CONNACK), and only its.
      const resumed = f.raw({ clientId: locked, clean: false, username: user, password }).then(
        (r) => r.client.closed,
        () => undefined,
      );
      await within(resumed, 20_000, 'the locked-out session to be closed');
      await within(traffic, 60_000, 'the numbered publishes');
      await n.assertNothingLost();
      const now = await consumerChannels(n.queues);
      assert.equal(now.size, 1, `the neighbours consume on ${now.size} channels`);
      assert.notDeepEqual(now, n.shared, 'RabbitMQ closed the first shared channel');
    } finally {
      await holder.close();
    }
    const cleanup = await f.raw({ clientId: locked, clean: true, username: user, password });
    await cleanup.client.disconnect();
  });
});

/**
 * ${NEIGHBOURS} clients of `user`, each subscribed at QoS 1 to a topic of its
 * own, and a publisher; `assertNothingLost` counts what the numbered messages
 * of publishNumbered lost, doubled, and how many neighbours were disconnected.
 */
async function neighbourhood(f: Fixture, user: string, password: string) {
  const prefix = uniqueId('neighbour');
  const ids = Array.from({ length: NEIGHBOURS }, (_, i) => `${prefix}-${i}`);
  const topic = (i: number): string => `${prefix}/${i}`;
  const neighbours = await Promise.all(ids.map((clientId) => f.mqtt({ clientId, username: user, password })));
  const inboxes = neighbours.map((c) => new Inbox(c));
  let disconnected = 0;
  for (const c of neighbours) c.on('close', () => disconnected++);
  await Promise.all(neighbours.map((c, i) => c.subscribeAsync({ [topic(i)]: { qos: 1 } })));
  const queues = ids.map(sessionQueue);
  const shared = await consumerChannels(queues);
  assert.equal(shared.size, 1, `the neighbours consume on ${shared.size} channels`);
  const publisher = await f.mqtt();
  const assertNothingLost = async (): Promise<void> => {
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
  };
  return { topic, queues, shared, publisher, assertNothingLost };
}

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
