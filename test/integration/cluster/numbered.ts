import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { IConnackPacket } from 'mqtt-packet';
import { connackOf } from '../helpers/mqttjs';
import { delay, within } from '../helpers/wait';

/** An mqtt.js client that reconnects by itself, with what a failure test counts of its connections. */
export class Roaming {
  readonly client: MqttClient;
  /** sessionPresent of every CONNACK after the first. */
  readonly resumes: boolean[] = [];
  closes = 0;
  private connacks = 0;

  private constructor(port: number, options: IClientOptions) {
    this.client = mqtt.connect({
      host: '127.0.0.1',
      port,
      protocolVersion: 4,
      reconnectPeriod: 300,
      connectTimeout: 5000,
      ...options,
    });
    this.client.on('connect', (c: IConnackPacket) => {
      if (this.connacks++ > 0) this.resumes.push(c.sessionPresent);
    });
    this.client.on('close', () => this.closes++);
    // A refused CONNACK while RabbitMQ elects a new leader is retried by the reconnect.
    this.client.on('error', () => undefined);
  }

  static async connect(port: number, options: IClientOptions): Promise<Roaming> {
    const r = new Roaming(port, options);
    try {
      await connackOf(r.client, 10_000);
    } catch (err) {
      await r.end();
      throw err;
    }
    return r;
  }

  end(): Promise<void> {
    return this.client.endAsync(true).catch(() => undefined);
  }
}

/** Publishes 1, 2, 3... at QoS 1, one at a time, and keeps which were PUBACKed. */
export class NumberedPublisher {
  published = 0;
  readonly acked = new Set<number>();
  private running = true;
  private readonly loop: Promise<void>;

  constructor(
    private readonly r: Roaming,
    private readonly topic: string,
  ) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running) {
      if (!this.r.client.connected) {
        await delay(50);
        continue;
      }
      const n = ++this.published;
      try {
        await within(this.r.client.publishAsync(this.topic, String(n), { qos: 1 }), 5000, `PUBACK ${n}`);
        this.acked.add(n);
      } catch {
        // Not PUBACKed: it may or may not arrive, and counts as neither lost nor sent.
      }
      await delay(10);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/** What a subscriber received of one NumberedPublisher: each number's count. */
export class NumberedInbox {
  readonly counts = new Map<number, number>();

  constructor(r: Roaming, topic: string) {
    r.client.on('message', (t, payload) => {
      if (t !== topic) return;
      const n = Number(payload.toString());
      this.counts.set(n, (this.counts.get(n) ?? 0) + 1);
    });
  }

  lost(acked: Iterable<number>): number {
    let lost = 0;
    for (const n of acked) if (!this.counts.has(n)) lost++;
    return lost;
  }

  get duplicated(): number {
    let d = 0;
    for (const c of this.counts.values()) d += c - 1;
    return d;
  }
}
