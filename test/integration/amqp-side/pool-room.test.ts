import assert from 'node:assert/strict';
import { uniqueId } from '../helpers/adapter';
import { addUser, deleteUser, rabbitmqctl, setPermissions } from '../helpers/rabbit';
import type { RawMqtt } from '../helpers/raw-mqtt';
import { useFixture, type Fixture } from './fixture';
import { VHOST } from './vhost';
import { clientRoom } from '../../../adapter/src/amqp/pool-room';

/** What one client of a burst saw, in order: CONNACK, SUBACK, its two messages back. */
interface Outcome {
  readonly client: RawMqtt | undefined;
  readonly problem: string | undefined;
}

/**
 * One client of the burst: connects, subscribes QoS 1 (a queue, its consumer on
 * a shared channel), publishes QoS 1 and QoS 0 to itself and gets both back, so
 * each holds its confirm, QoS 0 and declare/bind channels at the same time.
 */
async function roundTrip(f: Fixture, user: string, password: string, topic: string): Promise<Outcome> {
  let client: RawMqtt | undefined;
  try {
    const opened = await f.raw({ clientId: uniqueId('burst'), clean: true, username: user, password });
    client = opened.client;
    if (opened.connack.returnCode !== 0) return { client, problem: `CONNACK ${opened.connack.returnCode}` };
    const granted = await client.subscribe([{ topic, qos: 1 }]);
    if (granted[0] !== 1) return { client, problem: `SUBACK ${granted[0]}` };
    await client.publish(topic, 'one', 1);
    await client.publish(topic, 'zero', 0);
    const got = await client.publishes(2, 30_000);
    for (const p of got) if (p.qos === 1) client.puback(p.messageId!);
    const texts = got.map((p) => p.payload.toString()).sort();
    if (texts.join() !== 'one,zero') return { client, problem: `received ${texts.join()}` };
    return { client, problem: undefined };
  } catch (err) {
    return { client, problem: (err as Error).message };
  }
}

/** Channels of each AMQP connection of `user`, as RabbitMQ counts them. */
async function channelsPerConnection(user: string): Promise<number[]> {
  const out = await rabbitmqctl('list_connections', '--no-table-headers', 'user', 'vhost', 'channels');
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([u, v]) => u === user && v === VHOST)
    .map(([, , channels]) => Number(channels));
}

/**
 * A burst of logins of one user all want the same pooled connection before any
 * of their channels opens. Places are reserved per client as it is put on a
 * connection, so none runs past the channel_max RabbitMQ granted it (RabbitMQ
 * closes a whole connection that tries); a full one sends the rest to another.
 */
function burst(channelMax: number, clients: number): void {
  const user = uniqueId('mqtt-burst-user');
  const password = uniqueId('pw');
  const f = useFixture({ MQTT_ADAPTER_AMQP_CHANNEL_MAX: String(channelMax) });

  before(async function () {
    await addUser(user, password);
    await setPermissions(user, '.*', '.*', '.*', VHOST);
  });

  after(async function () {
    await deleteUser(user);
  });

  it(`connects ${clients} clients of one user at once, channel_max ${channelMax} never passed`, async function () {
    this.timeout(120_000);
    const room = clientRoom(channelMax, 100);
    const prefix = uniqueId('burst');
    const outcomes = await Promise.all(
      Array.from({ length: clients }, (_, i) => roundTrip(f, user, password, `${prefix}/${i}`)),
    );
    const failed = outcomes.filter((o) => o.problem !== undefined);
    const reasons = [...new Set(failed.map((o) => o.problem))].slice(0, 5);
    assert.equal(failed.length, 0, `${failed.length} of ${clients} clients failed: ${reasons.join('; ')}`);

    const channels = await channelsPerConnection(user);
    assert.ok(
      channels.length >= Math.ceil(clients / room),
      `${channels.length} connections for ${clients} clients at ${room} a connection`,
    );
    assert.ok(
      channels.every((n) => n <= channelMax),
      `channels per connection ${channels.join(',')}`,
    );

    await Promise.all(outcomes.map((o) => (o.client ? o.client.disconnect() : Promise.resolve())));
  });
}

/**
 * 5 clients a connection (3 channels each, a shared consumer channel, 4 for the
 * connection): a burst of 200 needs 40 connections, and without reservations
 * all of them would land on the first. The same at RabbitMQ's 2047 (678 a
 * connection) takes 3000 clients, more than this suite's machines connect
 * within a CONNACK deadline.
 */
describe('amqp-side: pooled connection room', function () {
  burst(20, 200);
});
