import { MqttConn, type Endpoint } from '../client/mqtt-conn';
import type { ConnectOptions, PublishTemplate } from '../wire/packets';

const TICK_MS = 20;
/** Unacknowledged publishes above which a publisher skips sends (counted) instead of queueing more. */
const MAX_UNACKED = 2000;

/** One PUBLISH to send: its template, an optional number stamped into the payload, and what to do on its acknowledgement. */
export interface Send {
  readonly template: PublishTemplate;
  readonly stamp?: number;
  readonly onAck?: () => void;
}

/**
 * A publisher at a steady rate on one raw connection: each tick it sends what
 * the clock says is due (a stall is not made up in a burst beyond one second
 * of sends). Reconnects if its connection closes (counted).
 */
export class PacedPublisher {
  sent = 0;
  acked = 0;
  skipped = 0;
  reconnects = 0;
  private conn: MqttConn | undefined;
  private readonly waiting = new Map<number, () => void>();
  private timer: NodeJS.Timeout | undefined;
  private due = 0;
  private last = 0;
  private opening = false;

  constructor(
    private readonly at: Endpoint,
    private readonly options: ConnectOptions,
    private readonly rate: number,
    private readonly next: (seq: number) => Send,
  ) {}

  async start(): Promise<void> {
    await this.open();
    this.last = Date.now();
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Resolves once nothing sent is waiting for its acknowledgement, or after `ms`. */
  async settle(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.waiting.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  }

  async close(): Promise<void> {
    this.stop();
    await this.conn?.disconnect();
  }

  private async open(): Promise<void> {
    this.opening = true;
    try {
      const c = await MqttConn.open(this.at, this.options);
      // A new connection starts its packet ids again: what the old one left unacknowledged never will be.
      this.waiting.clear();
      c.onAck = (id) => {
        this.acked++;
        this.waiting.get(id)?.();
        this.waiting.delete(id);
      };
      this.conn = c;
    } finally {
      this.opening = false;
    }
  }

  private tick(): void {
    const now = Date.now();
    this.due = Math.min(this.due + ((now - this.last) * this.rate) / 1000, this.rate);
    this.last = now;
    const c = this.conn;
    if (!c || c.closed) {
      if (!this.opening) {
        this.reconnects++;
        void this.open().catch(() => undefined);
      }
      return;
    }
    c.cork();
    for (; this.due >= 1; this.due--) {
      const s = this.next(this.sent + this.skipped);
      const id = s.template.qos > 0 && c.unacked < MAX_UNACKED ? c.allocateId() : 0;
      if (id === undefined || (s.template.qos > 0 && id === 0)) {
        this.skipped++;
        continue;
      }
      const packet = s.template.copy(id);
      if (s.stamp !== undefined) packet.writeUInt32BE(s.stamp, s.template.payloadOffset);
      if (!c.write(packet)) {
        if (id > 0) c.unacked--;
        this.skipped++;
        continue;
      }
      this.sent++;
      if (s.template.qos > 0) this.waiting.set(id, s.onAck ?? (() => undefined));
    }
    c.uncork();
  }
}

export type { Endpoint };
