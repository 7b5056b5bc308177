import type { IClientOptions, MqttClient } from 'mqtt';
import type { IConnackPacket } from 'mqtt-packet';
import type { Adapter } from '../../../adapter/src/server';
import { uniqueId } from '../helpers/adapter';
import { AmqpClient, deleteQueues } from '../helpers/rabbit';
import { VHOST, VHOST_ENV, VHOST_URL } from './vhost';
import { connectMqtt } from './clients';
import { useAdapter, type SuiteAdapter } from '../helpers/suite';
import { RawMqtt } from '../helpers/raw-mqtt';

/** The plugin-compatible name of a client's session queue. */
export const sessionQueue = (clientId: string): string => `mqtt-subscription-${clientId}qos1`;

/** An MQTT 3.1.1 CONNECT as these tests make it: a session of their choosing, keepalive 60 unless given. */
export interface RawConnect {
  readonly clientId: string;
  readonly clean: boolean;
  readonly username?: string;
  readonly password?: string;
  readonly keepalive?: number;
}

/**
 * The suite adapter in the test vhost with an AMQP client there, for one
 * describe block; the MQTT clients its tests make are closed after each test,
 * the queues they leave after the block.
 */
export class Fixture {
  amqp!: AmqpClient;
  /** Queues to delete afterwards (persistent sessions leave theirs by design). */
  readonly queues = new Set<string>();

  constructor(private readonly suite: SuiteAdapter) {}

  get adapter(): Adapter {
    return this.suite.adapter;
  }

  /** An mqtt.js client as guest with a fresh client id unless given. */
  mqtt(options: IClientOptions = {}, port = this.adapter.ports.mqtt): Promise<MqttClient> {
    return connectMqtt(port, { clientId: uniqueId('mqtt'), ...options });
  }

  /** A raw client; a persistent session's queue is remembered for deletion. */
  raw(c: RawConnect, port = this.adapter.ports.mqtt): Promise<{ client: RawMqtt; connack: IConnackPacket }> {
    if (!c.clean) this.queues.add(sessionQueue(c.clientId));
    return RawMqtt.connect(port, {
      clientId: c.clientId,
      clean: c.clean,
      keepalive: c.keepalive ?? 60,
      username: c.username ?? 'guest',
      password: Buffer.from(c.password ?? 'guest'),
    });
  }
}

/** Registers the hooks that start and clean up a Fixture. */
export function useFixture(env: Record<string, string> = {}): Fixture {
  const f = new Fixture(useAdapter({ ...VHOST_ENV, ...env }));
  before(async function () {
    f.amqp = await AmqpClient.open(VHOST_URL);
  });
  after(async function () {
    await f.amqp?.close();
    if (f.queues.size > 0) await deleteQueues(f.queues, VHOST);
  });
  return f;
}
