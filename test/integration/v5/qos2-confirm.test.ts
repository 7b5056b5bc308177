import { strict as assert } from 'node:assert';
import { generate, type IPublishPacket, type Packet } from 'mqtt-packet';
import { uniqueId } from '../helpers/adapter';
import { useHeldAdapter } from '../helpers/held-adapter';
import { deleteQueues } from '../helpers/rabbit';
import { routingKey, uniqueTopic } from './support';
import { within } from '../helpers/wait';
import { RawMqtt } from '../helpers/raw-mqtt';

const QUOTA_EXCEEDED = 0x97;

const publish = (
  topic: string,
  payload: string,
  messageId: number,
  qos: 1 | 2,
  dup = false,
): IPublishPacket => ({
  cmd: 'publish',
  topic,
  payload: Buffer.from(payload),
  qos,
  retain: false,
  dup,
  messageId,
});

/** Packets in one socket write, so the adapter reads them all before any confirm can come back. */
const oneWrite = (packets: Packet[], protocolVersion: 4 | 5): Buffer =>
  Buffer.concat(packets.map((p) => generate(p, { protocolVersion })));

/** Each numbered QoS 2 message followed by its retransmission (same id, DUP set). */
const withRetransmissions = (topic: string, prefix: string, ids: number[]): IPublishPacket[] =>
  ids.flatMap((i) => [publish(topic, `${prefix}-${i}`, i, 2), publish(topic, `${prefix}-${i}`, i, 2, true)]);

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

/** How many of the numbered messages `${prefix}-1..n` did not arrive, and how many extra copies did. */
function tally(payloads: string[], prefix: string, n: number): { lost: number; duplicated: number } {
  const mine = payloads.filter((p) => p.startsWith(`${prefix}-`));
  const distinct = new Set(mine);
  return {
    lost: range(n).filter((i) => !distinct.has(`${prefix}-${i}`)).length,
    duplicated: mine.length - distinct.size,
  };
}

async function takeV5<C extends 'pubrec' | 'puback' | 'pubcomp'>(
  c: RawMqtt,
  cmd: C,
  n: number,
): Promise<Extract<Packet, { cmd: C }>[]> {
  const got: Extract<Packet, { cmd: C }>[] = [];
  while (got.length < n) got.push(await c.nextOf(cmd, 10_000));
  return got;
}

/**
 * Inbound QoS 2 against RabbitMQ's publisher confirms: a PUBREC (the first or
 * one for a retransmission) goes out only once RabbitMQ confirmed the message,
 * and a message RabbitMQ rejects never gets a successful one. The adapter
 * reaches RabbitMQ through a proxy that can hold the confirms back.
 */
describe('QoS 2 PUBREC after the RabbitMQ confirm', function () {
  const held = useHeldAdapter();
  const queues = new Set<string>();

  /** A queue that takes nothing (length limit 0) and so makes RabbitMQ nack every publish routed to it. */
  async function rejectingQueue(key: string): Promise<string> {
    const name = uniqueId('qos2-reject');
    queues.add(name);
    await held.current.amqp.channel.assertQueue(name, {
      durable: false,
      arguments: { 'x-max-length': 0, 'x-overflow': 'reject-publish' },
    });
    await held.current.amqp.channel.bindQueue(name, 'amq.topic', key);
    return name;
  }

  /** An MQTT 3.1.1 raw client (closed after the test, as every raw client is). */
  function connect3(clientId: string, clean: boolean): ReturnType<typeof RawMqtt.connect> {
    return RawMqtt.connect(held.current.adapter.ports.mqtt, { clientId, clean, keepalive: 60 });
  }

  async function removeQueue(name: string): Promise<void> {
    await held.current.amqp.channel.deleteQueue(name);
    queues.delete(name);
  }

  after(async function () {
    if (queues.size > 0) await deleteQueues(queues);
  });

  it('answers a PUBLISH and its retransmission sent before the confirm only after it, publishing once [MQTT-4.3.3-8] [MQTT-4.3.3-10]', async function () {
    const n = 20;
    const topic = uniqueTopic('q2hold');
    const q = await held.current.amqp.consumeBound([routingKey(topic)]);
    const { client: c } = await RawMqtt.connect5(held.current.adapter.ports.mqtt);
    // The confirm channel opens on the first QoS > 0 PUBLISH, and its handshake needs RabbitMQ's replies.
    c.send(publish(topic, 'warm-up', 100, 1));
    assert.equal((await c.nextOf('puback')).messageId, 100);

    held.current.proxy.hold();
    c.write(oneWrite(withRetransmissions(topic, 'held', range(n)), 5));
    // RabbitMQ has routed every message; its confirms can reach the adapter only through the held proxy.
    await q.waitFor(1 + n);
    // PINGRESP follows whatever the adapter answered to the PUBLISHes before PINGREQ.
    c.send({ cmd: 'pingreq' });
    await c.nextOf('pingresp');
    assert.equal(c.all('pubrec').length, 0, 'PUBRECs before RabbitMQ confirmed');

    held.current.proxy.release();
    const recs = await takeV5(c, 'pubrec', 2 * n);
    // One PUBREC per PUBLISH, retransmissions included [MQTT-4.3.3-10], in the order received [MQTT-4.6.0-2].
    assert.deepEqual(
      recs.map((r) => r.messageId),
      range(n).flatMap((i) => [i, i]),
    );
    assert.deepEqual(
      recs.filter((r) => (r.reasonCode ?? 0) !== 0).map((r) => r.reasonCode),
      [],
    );
    for (const i of range(n)) c.send({ cmd: 'pubrel', messageId: i });
    const comps = await takeV5(c, 'pubcomp', n);
    assert.ok(
      comps.every((p) => (p.reasonCode ?? 0) === 0),
      'each id awaited its PUBREL',
    );
    // A marker from the same client: once it is through, any second copy would be too.
    c.send(publish(topic, 'end', 101, 1));
    await c.nextOf('puback');
    await q.waitFor(n + 2);
    assert.equal(c.all('pubrec').length, 2 * n);
    assert.deepEqual(
      tally(
        q.messages.map((m) => m.content.toString()),
        'held',
        n,
      ),
      { lost: 0, duplicated: 0 },
    );
  });

  it('MQTT 5: answers QoS 2 messages RabbitMQ rejects, and their retransmissions, with PUBREC 0x97 and frees the ids [MQTT-4.3.3-9]', async function () {
    const n = 10;
    const topic = uniqueTopic('q2nack5');
    const key = routingKey(topic);
    const reject = await rejectingQueue(key);
    // Another queue on the key takes a copy even of a rejected message: it shows what was published, and how often.
    const q = await held.current.amqp.consumeBound([key]);
    const { client: c } = await RawMqtt.connect5(held.current.adapter.ports.mqtt);

    c.write(oneWrite(withRetransmissions(topic, 'rejected', range(n)), 5));
    const recs = await takeV5(c, 'pubrec', 2 * n);
    assert.deepEqual(
      recs.map((r) => r.messageId),
      range(n).flatMap((i) => [i, i]),
    );
    assert.equal(recs.filter((r) => (r.reasonCode ?? 0) < 0x80).length, 0, 'successful PUBRECs');
    assert.ok(recs.every((r) => r.reasonCode === QUOTA_EXCEEDED));
    // Each message went to RabbitMQ once; its retransmission was not published.
    await q.waitFor(n);
    // The ids are free: nothing awaits a PUBREL.
    c.send({ cmd: 'pubrel', messageId: 1 });
    assert.equal((await c.nextOf('pubcomp')).reasonCode, 0x92);

    await removeQueue(reject);
    // The same ids now carry new messages: the application sends its refused messages again.
    c.write(
      oneWrite(
        range(n).map((i) => publish(topic, `again-${i}`, i, 2)),
        5,
      ),
    );
    const again = await takeV5(c, 'pubrec', n);
    assert.deepEqual(
      again.map((r) => [r.messageId, r.reasonCode ?? 0]),
      range(n).map((i) => [i, 0]),
    );
    for (const i of range(n)) c.send({ cmd: 'pubrel', messageId: i });
    await takeV5(c, 'pubcomp', n);
    c.send(publish(topic, 'end', 101, 1));
    await c.nextOf('puback');
    await q.waitFor(2 * n + 1);
    const payloads = q.messages.map((m) => m.content.toString());
    assert.deepEqual(
      tally(payloads, 'rejected', n),
      { lost: 0, duplicated: 0 },
      'copies of the rejected ones',
    );
    assert.deepEqual(tally(payloads, 'again', n), { lost: 0, duplicated: 0 });
    assert.equal(c.all('pubrec').length, 3 * n);
  });

  it('MQTT 5: answers a QoS 1 message RabbitMQ rejects with PUBACK 0x97, in order, keeping the connection', async function () {
    const topic = uniqueTopic('q1nack5');
    const reject = await rejectingQueue(routingKey(topic));
    const q = await held.current.amqp.consumeBound([routingKey(`${topic}/ok`)]);
    const { client: c } = await RawMqtt.connect5(held.current.adapter.ports.mqtt);
    c.write(
      oneWrite(
        [
          publish(topic, 'refused-1', 1, 1),
          publish(`${topic}/ok`, 'taken', 2, 1),
          publish(topic, 'refused-3', 3, 1),
        ],
        5,
      ),
    );
    const acks = await takeV5(c, 'puback', 3);
    assert.deepEqual(
      acks.map((a) => [a.messageId, a.reasonCode ?? 0]),
      [
        [1, QUOTA_EXCEEDED],
        [2, 0],
        [3, QUOTA_EXCEEDED],
      ],
    );
    await q.waitFor(1);
    assert.equal(c.isClosed, false);
    await removeQueue(reject);
  });

  it('MQTT 3.1.1: closes the connection instead of answering a rejected QoS 2 message; resent after reconnecting, each is delivered once', async function () {
    const n = 10;
    const topic = uniqueTopic('q2nack3');
    const key = routingKey(topic);
    const clientId = uniqueId('q2nack3');
    const reject = await rejectingQueue(key);
    const first = await connect3(clientId, false);
    first.client.socket.write(oneWrite(withRetransmissions(topic, 'm', range(n)), 4));
    await within(first.client.closed, 10_000, 'the adapter closing the connection');
    // The connection is closed, so every packet it will ever get is in: none may be a PUBREC.
    await assert.rejects(
      first.client.next((p) => p.cmd === 'pubrec', 'PUBREC', 1),
      /no PUBREC/,
      'MQTT 3.1.1 has no failing PUBREC: any PUBREC says the message was taken',
    );

    await removeQueue(reject);
    const q = await held.current.amqp.consumeBound([key]);
    const again = await connect3(clientId, false);
    assert.equal(again.connack.sessionPresent, true);
    // The client sends its unacknowledged PUBLISHes again, DUP set [MQTT-4.4.0-1].
    again.client.socket.write(
      oneWrite(
        range(n).map((i) => publish(topic, `m-${i}`, i, 2, true)),
        4,
      ),
    );
    const recs: number[] = [];
    for (const i of range(n)) {
      recs.push((await again.client.next((p) => p.cmd === 'pubrec', `PUBREC ${i}`, 10_000)).messageId!);
    }
    assert.deepEqual(recs, range(n));
    for (const i of range(n)) again.client.send({ cmd: 'pubrel', messageId: i });
    for (const i of range(n)) await again.client.next((p) => p.cmd === 'pubcomp', `PUBCOMP ${i}`);
    await again.client.publish(topic, 'end', 1);
    await q.waitFor(n + 1);
    assert.deepEqual(
      tally(
        q.messages.map((m) => m.content.toString()),
        'm',
        n,
      ),
      { lost: 0, duplicated: 0 },
    );
    await again.client.disconnect();
    // A clean start ends the stored session.
    const clean = await connect3(clientId, true);
    await clean.client.disconnect();
  });

  it('MQTT 3.1.1: closes the connection for a rejected QoS 1 message, never acknowledging it', async function () {
    const topic = uniqueTopic('q1nack3');
    const reject = await rejectingQueue(routingKey(topic));
    const { client } = await connect3(uniqueId('q1nack3'), true);
    client.sendPublish(topic, 'refused', 1, 1);
    await within(client.closed, 10_000, 'the adapter closing the connection');
    await assert.rejects(
      client.next((p) => p.cmd === 'puback', 'PUBACK', 1),
      /no PUBACK/,
    );
    await removeQueue(reject);
  });
});
