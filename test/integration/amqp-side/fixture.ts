import type { IClientOptions, MqttClient } from 'mqtt';
import type { IConnackPacket } from 'mqtt-packet';
import type { Adapter } from '../../../adapter/src/server';
import { startAdapter, uniqueId } from '../helpers/adapter';
import { AmqpClient, deleteQueues } from '../helpers/rabbit';
import { VHOST, VHOST_ENV, VHOST_URL } from './vhost';
import { connectMqtt, endMqtt } from './clients';
import { RawClient, type RawConnect } from './raw-client';

/** The plugin-compatible name of a client's session queue. */
export const sessionQueue = (clientId: string): string => `mqtt-subscription-${clientId}qos1`;

/**
 * An in-process adapter and an AMQP client (both in the test vhost) for one describe block, plus the
 * MQTT clients and queues its tests make, all cleaned up after the block.
 */
export class Fixture {
  adapter!: Adapter;
  amqp!: AmqpClient;
  /** Queues to delete afterwards (persistent sessions leave theirs by design). */
  readonly queues = new Set<string>();
  private readonly clients: MqttClient[] = [];
  private readonly raws: RawClient[] = [];

  /** An mqtt.js client as guest with a fresh client id unless given. */
  async mqtt(options: IClientOptions = {}, port = this.adapter.ports.mqtt): Promise<MqttClient> {
    const c = await connectMqtt(port, { clientId: uniqueId('mqtt'), ...options });
    this.clients.push(c);
    return c;
  }

  /** A raw client; a persistent session's queue is remembered for deletion. */
  async raw(
    c: RawConnect,
    port = this.adapter.ports.mqtt,
  ): Promise<{ client: RawClient; connack: IConnackPacket }> {
    if (!c.clean) this.queues.add(sessionQueue(c.clientId));
    const r = await RawClient.connect(port, c);
    this.raws.push(r.client);
    return r;
  }

  async cleanup(): Promise<void> {
    await endMqtt(...this.clients);
    for (const r of this.raws) await r.destroy();
    await this.adapter?.stop();
    await this.amqp?.close();
    if (this.queues.size > 0) await deleteQueues(this.queues, VHOST);
  }
}

/** Registers before/after hooks that start and clean up a Fixture. */
export function useFixture(env: Record<string, string> = {}): Fixture {
  const f = new Fixture();
  before(async function () {
    f.adapter = await startAdapter({ ...VHOST_ENV, ...env });
    f.amqp = await AmqpClient.open(VHOST_URL);
  });
  after(async function () {
    await f.cleanup();
  });
  return f;
}
