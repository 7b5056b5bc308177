import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { IConnackPacket } from 'mqtt-packet';
import { GUEST, uniqueId } from './adapter';
import { onCleanup } from './cleanup';
import { until, within } from './wait';

/** Resolves with the CONNACK of a just-created mqtt.js client; rejects if it errs or closes first, or nothing comes within `ms`. */
export function connackOf(client: MqttClient, ms: number, what = 'mqtt.js CONNECT'): Promise<IConnackPacket> {
  return within(
    new Promise<IConnackPacket>((resolve, reject) => {
      client.once('connect', (connack) => resolve(connack));
      client.once('error', reject);
      client.once('close', () => reject(new Error('closed before CONNACK')));
    }),
    ms,
    what,
  );
}

/** connackOf, with the client closed by the suite's clean-up whatever happens. */
export function connected(client: MqttClient, ms: number): Promise<IConnackPacket> {
  onCleanup(async () => void (await client.endAsync(true).catch(() => undefined)));
  return connackOf(client, ms);
}

export interface Received {
  readonly topic: string;
  readonly payload: string;
  readonly qos: number;
  readonly retain: boolean;
  readonly dup: boolean;
}

/** An mqtt.js client at MQTT 3.1.1 (or 3.1) with everything it received, and waits on it. */
export class Mqtt {
  readonly received: Received[] = [];
  private readonly closedP: Promise<void>;
  isClosed = false;

  constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, p) =>
      this.received.push({ topic, payload: payload.toString(), qos: p.qos, retain: p.retain, dup: p.dup }),
    );
    this.closedP = new Promise((resolve) =>
      client.on('close', () => {
        this.isClosed = true;
        resolve();
      }),
    );
  }

  /** Connects (guest unless `options` say otherwise) and resolves on CONNACK; no automatic reconnect. */
  static async connect(port: number, options: IClientOptions = {}): Promise<Mqtt> {
    const client = mqtt.connect({
      host: '127.0.0.1',
      port,
      clientId: uniqueId('mqttjs'),
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...GUEST,
      ...options,
    });
    const m = new Mqtt(client);
    await connected(client, 7000);
    return m;
  }

  /** Subscribes and returns the granted QoS of each filter (128 for a refused one). */
  async subscribe(
    filters: Parameters<MqttClient['subscribeAsync']>[0],
    qos: 0 | 1 | 2 = 1,
  ): Promise<number[]> {
    const granted = await within(this.client.subscribeAsync(filters, { qos }), 5000, 'SUBACK');
    return granted.map((g) => g.qos);
  }

  async publish(
    topic: string,
    payload: string,
    qos: 0 | 1 | 2 = 1,
    retain = false,
    ms = 5000,
  ): Promise<void> {
    await within(this.client.publishAsync(topic, payload, { qos, retain }), ms, `publish ${topic}`);
  }

  /** Waits for a message with this payload (on this topic, if given). */
  async waitFor(payload: string, topic?: string, ms = 5000): Promise<Received> {
    const find = (): Received | undefined =>
      this.received.find((r) => r.payload === payload && (topic === undefined || r.topic === topic));
    await until(() => find() !== undefined, `message ${JSON.stringify(payload)}`, ms);
    return find() as Received;
  }

  closed(ms = 5000): Promise<void> {
    return within(this.closedP, ms, 'mqtt.js connection close');
  }

  async end(): Promise<void> {
    if (!this.isClosed) await this.client.endAsync(true).catch(() => undefined);
  }
}

/** A published round trip: a fresh subscriber receives what a fresh publisher sends, so the adapter serves. */
export async function assertServing(port: number): Promise<void> {
  const topic = `alive/${uniqueId()}`;
  const sub = await Mqtt.connect(port);
  const pub = await Mqtt.connect(port);
  await sub.subscribe(topic, 1);
  await pub.publish(topic, 'ping', 1);
  await sub.waitFor('ping', topic);
  await Promise.all([sub.end(), pub.end()]);
}
