import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { MAIN_JS, adapterEnv, startAdapter, uniqueId } from '../helpers/adapter';
import { AmqpClient, deleteQueues } from '../helpers/rabbit';
import type { Adapter } from '../../../adapter/src/server';
import { V5, routingKey, uniqueTopic } from './support';
import { within } from '../helpers/wait';
import { onCleanup } from '../helpers/cleanup';
import { useCleanup } from '../helpers/suite';
import { RawMqtt } from '../helpers/raw-mqtt';

const REDIS_URL = process.env.MQTT_ADAPTER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** An adapter process that can be SIGKILLed, as a crashed pod is. */
async function spawnKillable(env: Record<string, string>): Promise<{ port: number; kill(): Promise<void> }> {
  const proc = spawn(process.execPath, [MAIN_JS], {
    env: adapterEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => proc.once('close', () => resolve()));
  const kill = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  };
  onCleanup(kill);
  let out = '';
  const port = await within(
    new Promise<number>((resolve, reject) => {
      proc.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /"ports":\{"mqtt":(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
      void exited.then(() => reject(new Error(`adapter exited: ${out}`)));
    }),
    15_000,
    'child adapter start',
  );
  return { port, kill };
}

/**
 * Replicas sharing state in Redis and RabbitMQ: a session, its QoS 2 state
 * both ways and its takeover move between adapters, and the will of a client
 * whose adapter was SIGKILLed goes out from a surviving one after its Will
 * Delay Interval.
 */
describe('MQTT 5 across replicas with the Redis store (issue 6)', function () {
  const prefix = `mqtt-adapter-test-${randomBytes(4).toString('hex')}:`;
  const env = {
    MQTT_ADAPTER_STORE: 'redis',
    MQTT_ADAPTER_REDIS_URL: REDIS_URL,
    MQTT_ADAPTER_REDIS_KEY_PREFIX: prefix,
    MQTT_ADAPTER_LIVENESS_TTL_MS: '1000',
    MQTT_ADAPTER_SWEEP_INTERVAL_MS: '200',
    // A will inherited from a dead replica goes out as this user: no replica keeps client passwords.
    MQTT_ADAPTER_WILL_USER: 'guest',
    MQTT_ADAPTER_WILL_PASSWORD: 'guest',
  };
  let a: Adapter;
  let b: Adapter;
  let amqp: AmqpClient;
  const queues = new Set<string>();
  const persistent = (clientId: string): string => {
    queues.add(`mqtt-subscription-${clientId}qos1`);
    return clientId;
  };

  before(async function () {
    a = await startAdapter(env);
    b = await startAdapter(env);
    amqp = await AmqpClient.open();
  });
  after(async function () {
    await amqp?.close();
    await Promise.all([a?.stop(), b?.stop()]);
    if (queues.size > 0) await deleteQueues(queues);
    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  });
  useCleanup();

  it('resumes a session on another replica: session present and the queued QoS 1 message delivered', async function () {
    const clientId = persistent(uniqueId('move'));
    const topic = uniqueTopic('move');
    const onA = await V5.connect(a.ports.mqtt, { clientId, properties: { sessionExpiryInterval: 60 } });
    await onA.subscribe(topic, { qos: 1, properties: { subscriptionIdentifier: 3 } });
    await onA.disconnect();
    const pub = await V5.connect(a.ports.mqtt);
    await pub.publish(topic, 'waiting', { qos: 1 });
    const onB = await V5.connect(b.ports.mqtt, {
      clientId,
      clean: false,
      properties: { sessionExpiryInterval: 0 },
    });
    assert.equal(onB.connack?.sessionPresent, true);
    const m = await onB.waitFor('waiting');
    assert.deepEqual([m.properties?.subscriptionIdentifier].flat(), [3], 'the subscription came along');
  });

  it('takes a session over from another replica with DISCONNECT 0x8E [MQTT-3.1.4-3]', async function () {
    const clientId = uniqueId('takeover');
    const onA = await V5.connect(a.ports.mqtt, { clientId });
    await V5.connect(b.ports.mqtt, { clientId });
    await onA.closed(10_000);
    assert.equal(onA.serverDisconnect?.reasonCode, 0x8e);
  });

  it('does not publish a QoS 2 retransmission again after the client moved replicas between PUBREC and PUBREL', async function () {
    const clientId = uniqueId('q2move');
    const topic = uniqueTopic('q2move');
    const q = await amqp.consumeBound([routingKey(topic)]);
    const first = await RawMqtt.connect5(a.ports.mqtt, {
      clientId,
      properties: { sessionExpiryInterval: 60 },
    });
    const publish = {
      cmd: 'publish' as const,
      topic,
      payload: Buffer.from('exactly-once'),
      qos: 2 as const,
      retain: false,
      dup: false,
      messageId: 21,
    };
    first.client.send(publish);
    await first.client.nextOf('pubrec');
    first.client.socket.destroy();
    await first.client.closed;
    const again = await RawMqtt.connect5(b.ports.mqtt, {
      clientId,
      clean: false,
      properties: { sessionExpiryInterval: 0 },
    });
    assert.equal(again.connack.sessionPresent, true);
    again.client.send({ ...publish, dup: true });
    assert.equal((await again.client.nextOf('pubrec')).messageId, 21);
    again.client.send({ cmd: 'pubrel', messageId: 21 });
    assert.equal((await again.client.nextOf('pubcomp')).reasonCode ?? 0, 0);
    again.client.send({ ...publish, qos: 1, payload: Buffer.from('marker'), messageId: 22 });
    await again.client.nextOf('puback');
    await q.waitFor(2);
    assert.deepEqual(
      q.messages.map((m) => m.content.toString()),
      ['exactly-once', 'marker'],
    );
  });

  it('re-sends a pending PUBREL on another replica [MQTT-4.4.0-1]', async function () {
    const clientId = persistent(uniqueId('relmove'));
    const topic = uniqueTopic('relmove');
    const first = await RawMqtt.connect5(a.ports.mqtt, {
      clientId,
      properties: { sessionExpiryInterval: 60 },
    });
    first.client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 2 }] });
    await first.client.nextOf('suback');
    const pub = await V5.connect(a.ports.mqtt);
    await pub.publish(topic, 'half', { qos: 2 });
    const m = await first.client.nextOf('publish');
    first.client.send({ cmd: 'pubrec', messageId: m.messageId as number });
    await first.client.nextOf('pubrel');
    first.client.socket.destroy();
    await first.client.closed;
    const again = await RawMqtt.connect5(b.ports.mqtt, {
      clientId,
      clean: false,
      properties: { sessionExpiryInterval: 0 },
    });
    assert.equal(again.connack.sessionPresent, true);
    assert.equal((await again.client.nextOf('pubrel')).messageId, m.messageId);
    again.client.send({ cmd: 'pubcomp', messageId: m.messageId as number });
    await pub.publish(topic, 'next', { qos: 2 });
    assert.equal((await again.client.nextOf('publish')).payload.toString(), 'next');
  });

  it('publishes the will of a client whose adapter was SIGKILLed from a surviving replica, after the Will Delay', async function () {
    this.timeout(40_000);
    const doomed = await spawnKillable(env);
    const topic = uniqueTopic('pod-died');
    const watcher = await V5.connect(b.ports.mqtt);
    await watcher.subscribe(topic, { qos: 1 });
    const clientId = persistent(uniqueId('orphan'));
    await V5.connect(doomed.port, {
      clientId,
      properties: { sessionExpiryInterval: 60 },
      will: {
        topic,
        payload: Buffer.from('pod-gone'),
        qos: 1,
        retain: false,
        properties: { willDelayInterval: 2, contentType: 'text/x-will', userProperties: { why: 'crash' } },
      },
    });
    const killed = Date.now();
    await doomed.kill();
    const will = await watcher.waitFor('pod-gone', 20_000);
    assert.equal(will.properties?.contentType, 'text/x-will', 'the will keeps its properties');
    assert.deepEqual({ ...will.properties?.userProperties }, { why: 'crash' });
    const after = Date.now() - killed;
    assert.ok(after >= 1800, `will after ${after} ms, not before the 2 s delay`);
    const marker = uniqueId('marker');
    await watcher.publish(topic, marker, { qos: 1 });
    await watcher.waitFor(marker);
    assert.equal(watcher.payloads().filter((p) => p === 'pod-gone').length, 1, 'published once');
  });
});
