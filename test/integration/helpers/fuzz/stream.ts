import { SeqTracker } from '../../../../bench/stats/seq-tracker';
import { uniqueId } from '../adapter';
import { Mqtt } from '../mqttjs';
import { until } from '../wait';

/**
 * The bystanders of a fuzz run: an mqtt.js publisher sending numbered QoS 1
 * messages, a few in flight, to an mqtt.js subscriber, through the adapter
 * under fuzz. Every acknowledged number must arrive once and in order.
 */
export interface StreamCounts {
  published: number;
  received: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  /** Either bystander was disconnected. */
  disconnected: boolean;
  /** The longest wait for a PUBACK, in ms: the fuzz shares two cores with the adapter and RabbitMQ. */
  slowestAckMs: number;
}

/**
 * How long one bystander PUBLISH may wait for its PUBACK. The fuzz runs the
 * adapter in its own process at full speed on a small machine, and RabbitMQ
 * confirms slowly while fuzzed sessions declare and delete queues: a slow
 * PUBACK is reported, a missing one (or a loss, a double, a disconnect) is a finding.
 */
const ACK_DEADLINE_MS = 30_000;

export class NumberedStream {
  private readonly seen = new SeqTracker();
  private acked = 0;
  private next = 0;
  private last = -1;
  private outOfOrder = 0;
  private running = true;
  private slowestAckMs = 0;
  private readonly pumps: Promise<void>[] = [];

  private constructor(
    private readonly pub: Mqtt,
    private readonly sub: Mqtt,
    private readonly topic: string,
  ) {
    sub.client.on('message', (t, payload) => {
      if (t !== topic) return;
      const n = Number(payload.toString());
      if (n < this.last) this.outOfOrder++;
      this.last = Math.max(this.last, n);
      this.seen.record(0, n);
    });
  }

  static async start(port: number, inFlight = 4): Promise<NumberedStream> {
    const topic = `fuzz-bystander/${uniqueId()}`;
    const sub = await Mqtt.connect(port);
    await sub.subscribe(topic, 1);
    const pub = await Mqtt.connect(port);
    const s = new NumberedStream(pub, sub, topic);
    for (let i = 0; i < inFlight; i++) {
      const pump = s.pump();
      // Counted at stop() (a failed pump means a disconnected bystander), not a crash of the run.
      pump.catch(() => undefined);
      s.pumps.push(pump);
    }
    return s;
  }

  /** One sender of the window: numbers are taken in order, so a single client keeps them in order. */
  private async pump(): Promise<void> {
    while (this.running && !this.pub.isClosed) {
      const n = this.next++;
      const sent = Date.now();
      await this.pub.publish(this.topic, String(n), 1, false, ACK_DEADLINE_MS);
      this.slowestAckMs = Math.max(this.slowestAckMs, Date.now() - sent);
      this.acked++;
    }
  }

  /** Stops sending, waits (bounded) for what was acknowledged to arrive, and counts. */
  async stop(): Promise<StreamCounts> {
    this.running = false;
    const failures = (await Promise.allSettled(this.pumps)).filter((r) => r.status === 'rejected').length;
    await until(() => this.seen.unique >= this.acked, 'the bystander stream to arrive', 10_000).catch(
      () => undefined,
    );
    const counts = {
      published: this.acked,
      received: this.seen.unique,
      lost: Math.max(0, this.acked - this.seen.unique),
      duplicated: this.seen.duplicates,
      outOfOrder: this.outOfOrder,
      disconnected: this.pub.isClosed || this.sub.isClosed || failures > 0,
      slowestAckMs: this.slowestAckMs,
    };
    await Promise.all([this.pub.end(), this.sub.end()]);
    return counts;
  }
}
