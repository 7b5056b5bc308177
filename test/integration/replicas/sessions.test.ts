import { strict as assert } from 'node:assert';
import { generate, type IPublishPacket } from 'mqtt-packet';
import { uniqueId } from '../helpers/adapter';
import { Replicas, join, leaveAll, willOn, type Replica } from './replicas';
import { within, delay } from '../helpers/wait';
import { useCleanup } from '../helpers/suite';
import { RawMqtt, connectPacket } from '../helpers/raw-mqtt';

/*
 * Issue 3 across replica processes sharing one Redis and one RabbitMQ: a
 * session resumed on another replica, a takeover across replicas with
 * fencing, and retained messages seen from every replica.
 */
describe('replicas: sessions, takeover and retained messages across processes', function () {
  this.timeout(60_000);
  const set = new Replicas();
  let a: Replica;
  let b: Replica;
  let c: Replica;

  before(async () => {
    [a, b, c] = await set.start(3);
  });
  afterEach(leaveAll);
  useCleanup();
  after(async () => {
    await leaveAll();
    await set.cleanup();
  });

  it('resumes a persistent session on another replica: subscriptions, queued messages, unacked ones with DUP', async () => {
    const id = uniqueId('resume');
    set.sessionQueue(id);
    const topic = `replicas/${uniqueId('resume')}`;
    const connected = await RawMqtt.connect(a.ports.mqtt, { clientId: id, clean: false });
    const { client: raw } = connected;
    const { returnCode, sessionPresent } = connected.connack;
    assert.deepEqual({ returnCode, sessionPresent }, { returnCode: 0, sessionPresent: false });
    raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 1 }] });
    const suback = await raw.next();
    assert.equal(suback.cmd, 'suback');

    const { m: pub } = await join(c.ports.mqtt);
    await pub.publish(topic, 'unacked', 1);
    const first = (await raw.next()) as IPublishPacket;
    assert.equal(first.cmd, 'publish');
    assert.equal(first.payload.toString(), 'unacked');
    assert.equal(first.dup, false);
    // No PUBACK: the delivery is still unacked when the client leaves.
    raw.send({ cmd: 'disconnect' });
    await raw.waitClosed();
    await pub.publish(topic, 'queued-1', 1);
    await pub.publish(topic, 'queued-2', 1);

    const resumed = await b.metric('mqtt_adapter_sessions_resumed_total');
    const { m: sub, connack } = await join(b.ports.mqtt, { clientId: id, clean: false });
    assert.equal(connack.sessionPresent, true, 'session present on the other replica [MQTT-3.2.2-2]');
    for (const p of ['unacked', 'queued-1', 'queued-2']) await sub.waitFor(p, topic);
    const again = sub.received.filter((r) => r.payload === 'unacked');
    assert.ok(
      again.every((r) => r.dup),
      'the unacked delivery comes again with DUP [MQTT-3.3.1-1]',
    );
    await pub.publish(topic, 'after', 1);
    await sub.waitFor('after', topic);
    assert.equal(await b.metric('mqtt_adapter_sessions_resumed_total'), resumed + 1);
    const claims = await b.metric('mqtt_adapter_redis_command_seconds_count', {
      operation: 'sessions.claim',
    });
    assert.ok(claims >= 1, 'the claim timed in the Redis latency histogram');
  });

  it('sends QoS 2 PUBLISHes left unacknowledged on one replica again under their packet ids on another [MQTT-4.4.0-1]', async () => {
    const id = uniqueId('sameid');
    set.sessionQueue(id);
    const topic = `replicas/${uniqueId('sameid')}`;
    const { client: raw } = await RawMqtt.connect(a.ports.mqtt, { clientId: id, clean: false });
    raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 2 }] });
    await raw.nextOf('suback');
    const { m: pub } = await join(c.ports.mqtt);
    // Two messages taken through PUBCOMP first, so the ids left open are past those a fresh allocator starts at.
    for (const warm of ['warm-1', 'warm-2']) {
      await pub.publish(topic, warm, 2);
      const p = await raw.nextOf('publish');
      raw.send({ cmd: 'pubrec', messageId: p.messageId as number });
      await raw.nextOf('pubrel');
      raw.send({ cmd: 'pubcomp', messageId: p.messageId as number });
    }
    await pub.publish(topic, 'open-1', 2);
    await pub.publish(topic, 'open-2', 2);
    const open = await raw.publishes(2);
    const idOf = new Map(open.map((p) => [p.payload.toString(), p.messageId as number]));
    assert.deepEqual([...idOf.keys()], ['open-1', 'open-2']);
    // Neither is acknowledged: a client that delivers on PUBLISH holds both ids until their PUBREL.
    raw.send({ cmd: 'disconnect' });
    await raw.waitClosed();

    const { client: back, connack } = await RawMqtt.connect(b.ports.mqtt, { clientId: id, clean: false });
    assert.equal(connack.sessionPresent, true);
    const again = await back.publishes(2);
    assert.deepEqual(
      again.map((p) => ({ payload: p.payload.toString(), id: p.messageId, dup: p.dup })),
      [
        { payload: 'open-1', id: idOf.get('open-1'), dup: true },
        { payload: 'open-2', id: idOf.get('open-2'), dup: true },
      ],
    );
    for (const p of again) {
      back.send({ cmd: 'pubrec', messageId: p.messageId as number });
      await back.nextOf('pubrel');
      back.send({ cmd: 'pubcomp', messageId: p.messageId as number });
    }
    await pub.publish(topic, 'after', 2);
    const [after] = await back.publishes(1);
    assert.ok(!idOf.has(after.payload.toString()) && after.dup === false, 'a new message, not a copy');
    back.send({ cmd: 'disconnect' });
    await back.waitClosed();
    // A clean connect ends the session: its queue and keys go.
    const { client: end } = await RawMqtt.connect(b.ports.mqtt, { clientId: id, clean: true });
    end.send({ cmd: 'disconnect' });
    await end.waitClosed();
  });

  it('closes the old connection on another replica within 1 s with DISCONNECT 0x8E, publishing its will once [MQTT-3.1.4-2]', async () => {
    const id = uniqueId('takeover');
    set.sessionQueue(id);
    const root = `replicas/${uniqueId('takeover')}`;
    const topic = `${root}/data`;
    const { m: watcher } = await join(c.ports.mqtt);
    await watcher.subscribe(`${root}/will/#`, 1);
    const v5 = { protocolVersion: 5 as const, clean: false, properties: { sessionExpiryInterval: 60 } };
    const old = await join(a.ports.mqtt, { clientId: id, ...v5, will: willOn(`${root}/will`, 'old') });
    await old.m.subscribe(topic, 1);
    const takeovers = await a.metric('mqtt_adapter_takeovers_total');
    const wills = await set.metricSum('mqtt_adapter_wills_published_total', { source: 'connection' });

    const started = Date.now();
    const fresh = await join(b.ports.mqtt, { clientId: id, ...v5 });
    await old.m.closed(1000);
    const closedAfter = Date.now() - started;
    assert.ok(closedAfter <= 1000, `old connection closed after ${closedAfter} ms`);
    assert.equal(old.serverDisconnect()?.reasonCode, 0x8e, 'DISCONNECT Session taken over');
    assert.equal(fresh.connack.sessionPresent, true);

    const { m: pub } = await join(c.ports.mqtt);
    await pub.publish(topic, 'to-new-owner', 1);
    await fresh.m.waitFor('to-new-owner', topic);
    assert.equal(await a.metric('mqtt_adapter_takeovers_total'), takeovers + 1);
    // The old connection's will has no delay, so the takeover publishes it [MQTT-3.1.3-9], on one replica only.
    await watcher.waitFor('old');
    await delay(300);
    assert.equal(watcher.received.length, 1, 'the will published once');
    assert.equal(
      await set.metricSum('mqtt_adapter_wills_published_total', { source: 'connection' }),
      wills + 1,
    );
  });

  it('fences a stalled old owner: it never overwrites the new owner state', async () => {
    const id = uniqueId('fence');
    set.sessionQueue(id);
    const root = `replicas/${uniqueId('fence')}`;
    const { client: raw, connack } = await RawMqtt.connect(a.ports.mqtt, { clientId: id, clean: false });
    assert.equal(connack.returnCode, 0);
    raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: `${root}/old`, qos: 1 }] });
    assert.equal((await raw.next()).cmd, 'suback');

    // A stalls (a GC pause, a frozen node) for less than the liveness TTL, so nobody sweeps it.
    a.signal('SIGSTOP');
    try {
      const fresh = await join(b.ports.mqtt, { clientId: id, clean: false });
      assert.equal(fresh.connack.sessionPresent, true);
      await fresh.m.subscribe(`${root}/new`, 1);
      await within(fresh.m.client.unsubscribeAsync(`${root}/old`), 5000, 'UNSUBACK');
      // The old connection's client, unaware, changes its session too; A reads it when it wakes.
      raw.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: `${root}/stale`, qos: 1 }] });
    } finally {
      a.signal('SIGCONT');
    }
    await raw.waitClosed(3000);
    // Give A every chance to write what it would write (its close saves the session).
    await delay(500);
    const { session, owner } = await set.stored(id);
    assert.equal(owner.pod, b.incarnation, 'the new owner keeps the client id');
    const filters = (session as { subscriptions: { filter: string }[] }).subscriptions.map((s) => s.filter);
    assert.deepEqual(filters, [`${root}/new`], 'the stored session is the new owner state');
  });

  it('leaves the queue of a clean session taken over across replicas to its new owner', async () => {
    const id = uniqueId('clean-takeover');
    set.sessionQueue(id);
    const topic = `replicas/${uniqueId('clean-takeover')}`;
    const old = await join(a.ports.mqtt, { clientId: id, clean: true });
    await old.m.subscribe(topic, 1);
    // A stalls, so it learns of the takeover only after the new connection has declared its queue.
    a.signal('SIGSTOP');
    let fresh: RawMqtt;
    try {
      fresh = await RawMqtt.open(b.ports.mqtt);
      fresh.write(
        Buffer.concat([
          generate(connectPacket({ clientId: id, clean: true })),
          generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 1 }] }),
        ]),
      );
      assert.equal((await fresh.nextOf('connack')).returnCode, 0);
      assert.equal((await fresh.next()).cmd, 'suback');
    } finally {
      a.signal('SIGCONT');
    }
    await old.m.closed(3000);
    await delay(300);
    const { m: pub } = await join(c.ports.mqtt);
    await pub.publish(topic, 'to-new-owner', 1);
    const p = (await fresh.next(3000)) as IPublishPacket;
    assert.equal(p.cmd, 'publish');
    assert.equal(p.payload.toString(), 'to-new-owner');
  });

  it('delivers a retained message published through one replica on subscribes at the others, and clears it from a third [MQTT-3.3.1-5]', async () => {
    const root = `replicas/${uniqueId('retained')}`;
    const topic = `${root}/state`;
    const { m: pubA } = await join(a.ports.mqtt);
    await pubA.publish(topic, 'on', 1, true);

    for (const [r, filter] of [
      [b, topic],
      [c, `${root}/#`],
    ] as const) {
      const { m } = await join(r.ports.mqtt);
      await m.subscribe(filter, 1);
      const got = await m.waitFor('on', topic);
      assert.equal(got.retain, true, `retained flag on ${r.pod}`);
    }

    const { m: pubC } = await join(c.ports.mqtt);
    await pubC.publish(topic, '', 1, true);
    const { m: late } = await join(a.ports.mqtt);
    await late.subscribe(`${root}/#`, 1);
    await delay(500);
    assert.deepEqual(late.received, [], 'cleared through another replica [MQTT-3.3.1-10]');
  });
});
