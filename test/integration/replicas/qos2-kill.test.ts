import { strict as assert } from 'node:assert';
import type { IPublishPacket } from 'mqtt-packet';
import { uniqueId } from '../helpers/adapter';
import { closeAll } from '../helpers/cleanup';
import { HoldProxy } from '../helpers/hold-proxy';
import type { Mqtt } from '../helpers/mqttjs';
import { RawMqtt } from '../helpers/raw-mqtt';
import { delay, until } from '../helpers/wait';
import { Replicas, SHARED_REDIS_URL, join, leaveAll, type Replica } from './replicas';

const N = 20;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

const qos2 = (topic: string, n: number, dup = false): IPublishPacket => ({
  cmd: 'publish',
  topic,
  payload: Buffer.from(String(n)),
  qos: 2,
  retain: false,
  dup,
  messageId: n,
});

const DROPPED = 'mqtt_adapter_qos2_duplicates_dropped_total';

/*
 * A replica is SIGKILLed while a client's QoS 2 messages are between
 * RabbitMQ and the client's PUBREC; the client resumes on a survivor and
 * resends them (DUP), as MQTT has it do. A subscriber on the other survivor
 * gets each numbered message exactly once, whatever the store held for it:
 * pending (RabbitMQ took it, the confirm did not reach the dead replica; or
 * RabbitMQ never saw it) or received (confirmed, the PUBREC held back).
 */
describe('replicas: QoS 2 exactly once across a SIGKILL of the publisher replica', function () {
  this.timeout(90_000);
  const set = new Replicas();
  let b: Replica;
  let c: Replica;
  const proxies: HoldProxy[] = [];

  before(async () => {
    [b, c] = await set.start(2);
  });
  afterEach(async () => {
    await leaveAll();
    await closeAll();
    for (const p of proxies.splice(0)) await p.close();
  });
  after(async () => {
    await set.cleanup();
  });

  async function proxy(target: number): Promise<HoldProxy> {
    const p = await HoldProxy.start(target);
    proxies.push(p);
    return p;
  }

  /** A QoS 2 subscriber on the survivor c. */
  async function watch(topic: string): Promise<Mqtt> {
    const { m } = await join(c.ports.mqtt);
    await m.subscribe(topic, 2);
    return m;
  }

  /** A persistent publisher, its confirm channel open (a QoS 1 publish answered) before anything is held. */
  async function publisher(port: number, clientId: string, topic: string): Promise<RawMqtt> {
    const { client } = await RawMqtt.connect(port, { clientId, clean: false, keepalive: 60 });
    client.send({
      cmd: 'publish',
      topic: `${topic}/warm`,
      payload: Buffer.from('w'),
      qos: 1,
      dup: false,
      retain: false,
      messageId: 1000,
    });
    await client.nextOf('puback');
    return client;
  }

  /** The client back on the survivor b: resends every message with DUP and completes each. */
  async function resendOnB(clientId: string, topic: string): Promise<void> {
    const { client, connack } = await RawMqtt.connect(b.ports.mqtt, {
      clientId,
      clean: false,
      keepalive: 60,
    });
    assert.equal(connack.sessionPresent, true);
    for (const n of range(N)) client.send(qos2(topic, n, true));
    const recs: number[] = [];
    for (const _ of range(N)) {
      const r = await client.nextOf('pubrec', 10_000);
      assert.equal(r.reasonCode ?? 0, 0);
      recs.push(r.messageId as number);
    }
    assert.deepEqual(recs, range(N), 'PUBRECs in the order of the PUBLISHes [MQTT-4.6.0-2]');
    for (const n of range(N)) client.send({ cmd: 'pubrel', messageId: n });
    for (const _ of range(N)) await client.nextOf('pubcomp', 10_000);
    assert.deepEqual(await set.qos2Records(clientId), {}, 'every record removed by its PUBREL');
    await client.disconnect();
  }

  /** Every numbered message arrived, none twice: reports lost and duplicated by number. */
  async function exactlyOnce(m: Mqtt, topic: string): Promise<void> {
    const payloads = (): string[] => m.received.filter((r) => r.topic === topic).map((r) => r.payload);
    await until(() => new Set(payloads()).size >= N, `${N} messages on ${topic}`, 10_000).catch(
      () => undefined,
    );
    // Time for a copy that should not come.
    await delay(1000);
    const got = payloads();
    const lost = range(N).filter((n) => !got.includes(String(n)));
    const duplicated = range(N).filter((n) => got.filter((p) => p === String(n)).length > 1);
    assert.deepEqual(
      { lost, duplicated },
      { lost: [], duplicated: [] },
      `${N} published, ${got.length} received`,
    );
  }

  it('after RabbitMQ took them and before the confirm reached the replica: the resent copies are dropped by the subscriber', async () => {
    const amqpProxy = await proxy(5672);
    const a = await set.add({ MQTT_ADAPTER_AMQP_URL: `amqp://127.0.0.1:${amqpProxy.port}` });
    const id = uniqueId('q2-confirm');
    const topic = `replicas/${uniqueId('q2c')}`;
    const sub = await watch(topic);
    const pub = await publisher(a.ports.mqtt, id, topic);
    const droppedBefore = await c.metric(DROPPED);

    amqpProxy.hold();
    for (const n of range(N)) pub.send(qos2(topic, n));
    await until(
      () => sub.received.filter((r) => r.topic === topic).length >= N,
      'RabbitMQ routed every message',
      10_000,
    );
    const records = await set.qos2Records(id);
    assert.deepEqual(
      Object.keys(records)
        .map(Number)
        .sort((x, y) => x - y),
      range(N),
    );
    assert.ok(
      Object.values(records).every((r) => r.startsWith('p:')),
      'recorded pending: the confirms never reached the replica',
    );
    assert.equal(pub.all('pubrec').length, 0);

    await a.kill();
    await resendOnB(id, topic);
    await exactlyOnce(sub, topic);
    assert.equal((await c.metric(DROPPED)) - droppedBefore, N, 'each resent copy dropped by the subscriber');
  });

  it('after the confirm, with the PUBRECs held on the way to the client: the resends are answered, not published', async () => {
    const a = await set.add();
    const mqttProxy = await proxy(a.ports.mqtt);
    const id = uniqueId('q2-pubrec');
    const topic = `replicas/${uniqueId('q2r')}`;
    const sub = await watch(topic);
    const pub = await publisher(mqttProxy.port, id, topic);
    const droppedBefore = await c.metric(DROPPED);

    mqttProxy.hold();
    for (const n of range(N)) pub.send(qos2(topic, n));
    await until(
      async () => Object.values(await set.qos2Records(id)).filter((r) => r.startsWith('r:')).length === N,
      'every message recorded received',
      10_000,
    );
    assert.equal(pub.all('pubrec').length, 0, 'the PUBRECs wait in the proxy');

    await a.kill();
    await resendOnB(id, topic);
    await exactlyOnce(sub, topic);
    assert.equal((await c.metric(DROPPED)) - droppedBefore, 0, 'nothing was published again');
  });

  it('before the publish, its record written but unanswered: the resends are published and nothing is lost', async () => {
    const redisProxy = await proxy(Number(new URL(SHARED_REDIS_URL).port || 6379));
    const a = await set.add({ MQTT_ADAPTER_REDIS_URL: `redis://127.0.0.1:${redisProxy.port}` });
    const id = uniqueId('q2-before');
    const topic = `replicas/${uniqueId('q2b')}`;
    const sub = await watch(topic);
    const pub = await publisher(a.ports.mqtt, id, topic);

    redisProxy.hold();
    for (const n of range(N)) pub.send(qos2(topic, n));
    await delay(1000);
    assert.equal(
      sub.received.filter((r) => r.topic === topic).length,
      0,
      'nothing published before its record was answered',
    );

    await a.kill();
    const records = await set.qos2Records(id);
    assert.ok(
      Object.values(records).every((r) => r.startsWith('p:')),
      `records the dead replica left: ${JSON.stringify(records)}`,
    );
    await resendOnB(id, topic);
    await exactlyOnce(sub, topic);
  });
});
