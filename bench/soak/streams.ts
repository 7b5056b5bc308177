import { MqttConn, type Endpoint } from '../client/mqtt-conn';
import { PublishTemplate, type Version } from '../wire/packets';
import { StreamCounter, type StreamCount } from '../chaos/stream-count';
import { PacedPublisher } from './paced';
import { connectOptions, GUEST } from './slots';

type Qos = 1 | 2;

interface Tracker {
  readonly clientId: string;
  readonly version: Version;
  readonly counters: Record<Qos, StreamCounter>;
  /** The session's QoS 2 receive state, kept across its connections. */
  readonly receiving: Map<number, Buffer>;
  conn: MqttConn | undefined;
}

const ROAM_EVERY_MS = 15_000;
const AWAY_MS = 2000;

/**
 * The loss accounting of a soak: numbered QoS 1 and QoS 2 streams to
 * persistent subscribers (two MQTT 3.1.1 with clean session 0, two MQTT 5 with
 * a session expiry) that leave in turn, half by dropping the socket, and
 * resume their session. A number counts once its PUBACK / PUBCOMP arrived;
 * each must reach every subscriber.
 */
export class NumberedStreams {
  private readonly trackers: Tracker[];
  private readonly publishers: PacedPublisher[];
  private roamTimer: NodeJS.Timeout | undefined;
  /** The leave-and-resume under way: it reconnects its subscriber after AWAY_MS, whatever came meanwhile. */
  private roaming: Promise<void> = Promise.resolve();
  private turn = 0;
  roams = 0;

  constructor(
    private readonly tag: string,
    private readonly at: Endpoint,
    rates: Readonly<Record<Qos, number>>,
  ) {
    this.trackers = ([4, 4, 5, 5] as const).map((version, i) => ({
      clientId: `${tag}-track${i}-v${version}`,
      version,
      counters: { 1: new StreamCounter(), 2: new StreamCounter() },
      receiving: new Map<number, Buffer>(),
      conn: undefined,
    }));
    this.publishers = ([1, 2] as const).map((qos) => {
      const template = new PublishTemplate(this.topic(qos), qos, 4);
      return new PacedPublisher(
        at,
        { clientId: `${tag}-npub${qos}`, clean: true, keepalive: 0, ...GUEST },
        rates[qos],
        (n) => ({ template, stamp: n, onAck: () => this.trackers.forEach((t) => t.counters[qos].acked(n)) }),
      );
    });
  }

  private topic(qos: Qos): string {
    return `soak/${this.tag}/n/${qos}`;
  }

  async start(): Promise<void> {
    for (const t of this.trackers) await this.connect(t);
    for (const p of this.publishers) await p.start();
    this.roamTimer = setInterval(() => {
      this.roaming = this.roam().catch(() => undefined);
    }, ROAM_EVERY_MS);
  }

  /** Publishers stop and wait for their last acknowledgements; every subscriber is back online. */
  async stopPublishing(): Promise<void> {
    clearInterval(this.roamTimer);
    await this.roaming;
    for (const p of this.publishers) p.stop();
    await Promise.all(this.publishers.map((p) => p.settle(15_000)));
    for (const t of this.trackers) if (!t.conn || t.conn.closed) await this.connect(t).catch(() => undefined);
  }

  complete(): boolean {
    return this.trackers.every((t) => t.counters[1].complete() && t.counters[2].complete());
  }

  counts(): Record<Qos, StreamCount[]> {
    return {
      1: this.trackers.map((t) => t.counters[1].count()),
      2: this.trackers.map((t) => t.counters[2].count()),
    };
  }

  publisherCounts(): { sent: number; acked: number; skipped: number; reconnects: number } {
    const sum = (f: (p: PacedPublisher) => number): number => this.publishers.reduce((s, p) => s + f(p), 0);
    return {
      sent: sum((p) => p.sent),
      acked: sum((p) => p.acked),
      skipped: sum((p) => p.skipped),
      reconnects: sum((p) => p.reconnects),
    };
  }

  /** Everyone leaves; the subscribers' sessions are ended by a clean connect. */
  async leave(): Promise<void> {
    clearInterval(this.roamTimer);
    // A resume still under way would bring a session back after its clean connect ended it.
    await this.roaming;
    for (const p of this.publishers) await p.close();
    for (const t of this.trackers) {
      await t.conn?.disconnect();
      const c = await MqttConn.open(this.at, connectOptions({ ...t, persistent: true }, true)).catch(
        () => undefined,
      );
      await c?.disconnect();
    }
  }

  private async roam(): Promise<void> {
    const t = this.trackers[this.turn++ % this.trackers.length];
    const c = t.conn;
    t.conn = undefined;
    if (!c) return;
    this.roams++;
    if (this.turn % 2 === 0) c.destroy();
    else await c.disconnect();
    await new Promise((r) => setTimeout(r, AWAY_MS));
    await this.connect(t).catch(() => undefined);
  }

  private async connect(t: Tracker): Promise<void> {
    // Each stream is published at its own QoS and subscribed at that QoS, so the delivery's QoS names the stream.
    const c = await MqttConn.open(
      this.at,
      connectOptions({ ...t, persistent: true }),
      (payload, qos) => {
        if (qos === 1 || qos === 2) t.counters[qos].received(payload.readUInt32BE(0));
      },
      t.receiving,
    );
    try {
      await c.subscribe(this.topic(1), 1);
      await c.subscribe(this.topic(2), 2);
    } catch (err) {
      c.destroy();
      throw err;
    }
    t.conn = c;
  }
}
