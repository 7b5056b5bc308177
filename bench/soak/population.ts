import { MqttConn, type Endpoint } from '../client/mqtt-conn';
import { connectOptions, slotSpec, type SlotSpec } from './slots';

interface Slot {
  readonly spec: SlotSpec;
  conn: MqttConn | undefined;
  busy: boolean;
}

export interface PopulationCounts {
  readonly connects: number;
  readonly connectFailures: number;
  readonly disconnects: number;
  /** Sockets destroyed without DISCONNECT. */
  readonly drops: number;
  /** Connections the server closed; the client comes back after a back-off, as a real one would. */
  readonly closedByServer: number;
  readonly delivered: number;
}

const TICK_MS = 100;
/** Least wait before a failed connect is tried again (up to twice that, spread). */
const RETRY_MS = 2000;

/**
 * The held connections of a soak, each subscribed to a topic of its own, and
 * their churn: every tick some connected clients leave (half with DISCONNECT,
 * half by destroying the socket) and those that left on the tick before come
 * back under the same client id.
 */
export class Population {
  private readonly slots: Slot[];
  private timer: NodeJS.Timeout | undefined;
  private returning: Slot[] = [];
  /** Slots whose connect failed, by when to try again (a client backs off). */
  private retry: { slot: Slot; at: number }[] = [];
  private leaving = false;
  private carry = 0;
  private readonly counts = {
    connects: 0,
    connectFailures: 0,
    disconnects: 0,
    drops: 0,
    closedByServer: 0,
    delivered: 0,
  };
  private firstErrors: string[] = [];

  constructor(
    tag: string,
    size: number,
    private readonly at: Endpoint,
  ) {
    this.slots = Array.from({ length: size }, (_, i) => ({
      spec: slotSpec(tag, i),
      conn: undefined,
      busy: false,
    }));
  }

  get specs(): readonly SlotSpec[] {
    return this.slots.map((s) => s.spec);
  }

  held(): number {
    return this.slots.reduce((n, s) => n + (s.conn && !s.conn.closed ? 1 : 0), 0);
  }

  snapshot(): PopulationCounts & { errors: readonly string[] } {
    return { ...this.counts, errors: this.firstErrors };
  }

  /** Opens every connection, at most `perSecond` connects a second. */
  async fill(perSecond: number): Promise<void> {
    const batch = Math.max(1, Math.round(perSecond / 10));
    for (let i = 0; i < this.slots.length; i += batch) {
      const started = Date.now();
      await Promise.all(this.slots.slice(i, i + batch).map((s) => this.open(s)));
      await new Promise((r) => setTimeout(r, Math.max(0, started + 100 - Date.now())));
    }
  }

  startChurn(perSecond: number): void {
    this.timer = setInterval(() => this.tick(perSecond), TICK_MS);
  }

  stopChurn(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Everyone leaves with DISCONNECT; persistent sessions are then ended by a clean connect. */
  async leave(): Promise<void> {
    this.stopChurn();
    this.leaving = true;
    const deadline = Date.now() + 30_000;
    while (this.slots.some((s) => s.busy) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    await inBatches(this.slots, 200, async (s) => {
      await s.conn?.disconnect();
      s.conn = undefined;
    });
    await inBatches(
      this.slots.filter((s) => s.spec.persistent),
      100,
      async (s) => {
        const c = await MqttConn.open(this.at, connectOptions(s.spec, true)).catch(() => undefined);
        await c?.disconnect();
      },
    );
  }

  private tick(perSecond: number): void {
    const now = Date.now();
    const due = this.retry.filter((r) => r.at <= now);
    this.retry = this.retry.filter((r) => r.at > now);
    for (const s of [...this.returning, ...due.map((r) => r.slot)]) void this.open(s);
    this.carry += (perSecond * TICK_MS) / 1000;
    const n = Math.floor(this.carry);
    this.carry -= n;
    const leaving: Slot[] = [];
    for (let tries = 0; leaving.length < n && tries < n * 10; tries++) {
      const s = this.slots[Math.floor(Math.random() * this.slots.length)];
      if (!s.busy && s.conn && !s.conn.closed && !leaving.includes(s)) leaving.push(s);
    }
    for (const s of leaving) this.close(s, leaving.indexOf(s) % 2 === 0);
    this.returning = leaving;
  }

  private close(s: Slot, graceful: boolean): void {
    const c = s.conn;
    s.conn = undefined;
    if (!c) return;
    if (graceful) {
      this.counts.disconnects++;
      void c.disconnect();
    } else {
      this.counts.drops++;
      c.destroy();
    }
  }

  private retryLater(s: Slot): void {
    if (!this.leaving) this.retry.push({ slot: s, at: Date.now() + RETRY_MS * (1 + Math.random()) });
  }

  private async open(s: Slot): Promise<void> {
    if (s.busy) return;
    s.busy = true;
    try {
      const c = await MqttConn.open(this.at, connectOptions(s.spec), () => this.counts.delivered++);
      this.counts.connects++;
      try {
        await c.subscribe(s.spec.topic, s.spec.qos);
      } catch (err) {
        c.destroy();
        throw err;
      }
      if (this.leaving) {
        await c.disconnect();
        return;
      }
      s.conn = c;
      c.onClose = () => {
        if (s.conn !== c || this.leaving) return;
        s.conn = undefined;
        this.counts.closedByServer++;
        this.retryLater(s);
      };
    } catch (err) {
      this.counts.connectFailures++;
      this.retryLater(s);
      if (this.firstErrors.length < 10)
        this.firstErrors.push(`${s.spec.clientId}: ${(err as Error).message}`);
    } finally {
      s.busy = false;
    }
  }
}

/** Runs `f` over `items`, `size` at a time. */
export async function inBatches<T>(
  items: readonly T[],
  size: number,
  f: (x: T) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(f));
}
