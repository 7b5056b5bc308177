import { execFile } from 'node:child_process';
import type * as net from 'node:net';
import { Redis } from 'ioredis';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { IConnackPacket, IDisconnectPacket, Packet } from 'mqtt-packet';
import { GUEST, uniqueId } from '../helpers/adapter';
import { connected } from '../helpers/mqttjs';
import { deleteQueues } from '../helpers/rabbit';
import { until, within } from '../helpers/wait';

/**
 * What the MQTT 5 integration tests share: mqtt.js at protocol level 5 with
 * every received PUBLISH kept whole (properties included), topics of their
 * own, and the state RabbitMQ and Redis hold for them.
 */

/** The settings of an adapter on `store`: the shared Redis under a key prefix of its own, or memory. */
export function storeEnv(store: 'memory' | 'redis', prefix: string): Record<string, string> {
  if (store === 'memory') return {};
  return {
    MQTT_ADAPTER_STORE: 'redis',
    MQTT_ADAPTER_REDIS_URL: process.env.MQTT_ADAPTER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    MQTT_ADAPTER_REDIS_KEY_PREFIX: prefix,
  };
}

/** Deletes the Redis keys a test adapter wrote under its own key prefix. */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(process.env.MQTT_ADAPTER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

export interface QueueState {
  readonly durable: boolean;
  readonly ready: number;
  readonly unacked: number;
  readonly consumers: number;
  /** `x-expires` in ms, when set. */
  readonly expiresMs: number | undefined;
}

/**
 * One queue's state, asked of RabbitMQ by name (`rabbitmqctl eval`): listing
 * every queue would read whatever else the shared broker holds (megabytes
 * while a benchmark runs). Undefined when the queue does not exist.
 */
export async function queueState(name: string, vhost = '/'): Promise<QueueState | undefined> {
  // The CLI now and then fails to reach a busy node ("Error:" and nothing else); ask again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await queueStateOnce(name, vhost);
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

function queueStateOnce(name: string, vhost: string): Promise<QueueState | undefined> {
  const bin = (v: string): string => `<<${JSON.stringify(v)}/utf8>>`;
  const expr =
    `case rabbit_amqqueue:lookup(rabbit_misc:r(${bin(vhost)}, queue, ${bin(name)})) of ` +
    `{ok, Q} -> rabbit_amqqueue:info(Q, [durable, messages_ready, messages_unacknowledged, consumers, arguments]); ` +
    `_ -> not_found end.`;
  return new Promise((resolve, reject) => {
    execFile('rabbitmqctl', ['-q', 'eval', expr], { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`rabbitmqctl eval: ${stderr || err.message}`));
      if (stdout.trim() === 'not_found') return resolve(undefined);
      const num = (key: string): number => Number(new RegExp(`\\{${key},(\\d+)\\}`).exec(stdout)?.[1]);
      const expires = /<<"x-expires">>,\w+,(\d+)/.exec(stdout);
      resolve({
        durable: /\{durable,true\}/.test(stdout),
        ready: num('messages_ready'),
        unacked: num('messages_unacknowledged'),
        consumers: num('consumers'),
        expiresMs: expires ? Number(expires[1]) : undefined,
      });
    });
  });
}

/** A unique topic under a per-test root, so concurrent or repeated runs never cross. */
export const uniqueTopic = (what = 't'): string => `v5/${uniqueId(what)}`;

/** An MQTT topic as RabbitMQ's topic exchange sees it (`/` <-> `.`, docs/topic-mapping.md). */
export const routingKey = (topic: string): string => topic.replace(/\//g, '.');

export type V5Options = IClientOptions & { properties?: IClientOptions['properties'] };

/** mqtt.js at protocol level 5: what it received, the CONNACK, and a server DISCONNECT. */
export class V5 {
  readonly received: IPublishPacket[] = [];
  connack: IConnackPacket | undefined;
  serverDisconnect: IDisconnectPacket | undefined;
  isClosed = false;
  private readonly closedP: Promise<void>;

  constructor(readonly client: MqttClient) {
    // mqtt.js resolves an incoming topic alias into the topic it hands the handler, not into the packet.
    client.on('message', (topic, _payload, p) => this.received.push({ ...p, topic }));
    client.on('disconnect', (p) => (this.serverDisconnect = p));
    this.closedP = new Promise((resolve) =>
      client.on('close', () => {
        this.isClosed = true;
        resolve();
      }),
    );
  }

  /** Connects as guest at level 5, with no automatic reconnect; resolves on CONNACK. */
  static connect(port: number, options: V5Options = {}): Promise<V5> {
    return V5.start(mqtt.connect({ host: '127.0.0.1', port, ...V5.defaults(), ...options }));
  }

  /** The same over a URL (ws://, wss://, mqtts://). */
  static connectUrl(url: string, options: V5Options = {}): Promise<V5> {
    return V5.start(mqtt.connect(url, { ...V5.defaults(), ...options }));
  }

  private static defaults(): IClientOptions {
    return {
      clientId: uniqueId('v5'),
      protocolVersion: 5,
      reconnectPeriod: 0,
      connectTimeout: 7000,
      ...GUEST,
    };
  }

  private static async start(client: MqttClient): Promise<V5> {
    const m = new V5(client);
    m.connack = await connected(client, 9000);
    // Errors after CONNACK (a server DISCONNECT, say) are what tests look at; they must not throw.
    client.on('error', () => undefined);
    return m;
  }

  /** Subscribes and returns the SUBACK codes. */
  async subscribe(
    filters: string | string[],
    opts: Parameters<MqttClient['subscribeAsync']>[1] = { qos: 1 },
  ): Promise<number[]> {
    const granted = await within(this.client.subscribeAsync(filters, opts), 7000, 'SUBACK');
    return granted.map((g) => g.qos);
  }

  async publish(
    topic: string,
    payload: string | Buffer,
    opts: Parameters<MqttClient['publishAsync']>[2] = { qos: 1 },
  ): Promise<Packet | undefined> {
    return within(this.client.publishAsync(topic, payload, opts), 7000, `publish ${topic}`);
  }

  /** Waits for a message with this payload and returns it. */
  async waitFor(payload: string, ms = 7000): Promise<IPublishPacket> {
    const find = (): IPublishPacket | undefined =>
      this.received.find((r) => r.payload.toString() === payload);
    await until(() => find() !== undefined, `message ${JSON.stringify(payload)}`, ms);
    return find() as IPublishPacket;
  }

  /** Waits until `n` messages arrived. */
  async waitCount(n: number, ms = 10_000): Promise<IPublishPacket[]> {
    await until(() => this.received.length >= n, `${n} messages (have ${this.received.length})`, ms);
    return this.received;
  }

  payloads(): string[] {
    return this.received.map((r) => r.payload.toString());
  }

  closed(ms = 7000): Promise<void> {
    return within(this.closedP, ms, 'mqtt.js connection close');
  }

  /** A clean DISCONNECT (with properties, say a Session Expiry Interval). */
  async disconnect(properties?: IDisconnectPacket['properties'], reasonCode = 0): Promise<void> {
    if (this.isClosed) return;
    await within(
      this.client.endAsync(false, { reasonCode, properties }).catch(() => undefined),
      7000,
      'mqtt.js end',
    );
  }

  /** Drops the connection without DISCONNECT, as a crash would. */
  async drop(): Promise<void> {
    if (this.isClosed) return;
    (this.client as unknown as { stream: net.Socket }).stream.destroy();
    await this.closed();
  }

  async end(): Promise<void> {
    if (!this.isClosed) await this.client.endAsync(true).catch(() => undefined);
  }
}

/** The session queues of the clients a suite names, deleted after it. */
export class SessionQueues {
  private readonly names = new Set<string>();

  /** The queue of a client's session, remembered for deleteAll. */
  readonly of = (clientId: string): string => {
    const q = `mqtt-subscription-${clientId}qos1`;
    this.names.add(q);
    return q;
  };

  async deleteAll(): Promise<void> {
    if (this.names.size > 0) await deleteQueues(this.names);
  }
}
