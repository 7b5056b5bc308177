import { newHistogram, type Histogram } from '../stats/histogram';
import { nowUs, writeStamp } from '../wire/payload';
import type { StepCommand } from './protocol';
import type { Sender } from './roles';

const TICK_MS = 1;

export interface SendCounts {
  sent: number;
  notSent: number;
  readonly lag: Histogram;
}

/**
 * Open-loop publishing: message k of the worker is due at start + k / rate,
 * round-robin over the publishers, whatever the system does. Each tick sends
 * every message that is due, stamped with its scheduled (not actual) time, so
 * a slow system shows as latency instead of a slower offered load.
 */
export class Scheduler {
  private readonly seq: number[];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly senders: readonly Sender[]) {
    this.seq = senders.map(() => 0);
  }

  /** Runs one step; resolves when its last message is due and sent. */
  run(cmd: StepCommand): Promise<SendCounts> {
    const counts: SendCounts = { sent: 0, notSent: 0, lag: newHistogram() };
    const n = this.senders.length;
    if (n === 0) return Promise.resolve(counts);
    const rate = cmd.ratePerPublisher * n; // messages per second for this worker
    const total = Math.floor((rate * cmd.durationMs) / 1000);
    const intervalUs = 1e6 / rate;
    let k = 0;
    return new Promise((resolve) => {
      const tick = (): void => {
        const now = nowUs();
        const due = Math.min(total, Math.floor((now - cmd.startUs) / intervalUs) + 1);
        if (due > k) this.sendBatch(k, due, cmd, intervalUs, now, counts);
        k = Math.max(k, due);
        if (k >= total) {
          resolve(counts);
          return;
        }
        this.timer = setTimeout(tick, TICK_MS);
      };
      this.timer = setTimeout(tick, Math.max(0, (cmd.startUs - nowUs()) / 1000));
    });
  }

  private sendBatch(
    from: number,
    to: number,
    cmd: StepCommand,
    intervalUs: number,
    now: number,
    c: SendCounts,
  ): void {
    const n = this.senders.length;
    const touched = new Set<Sender>();
    for (let k = from; k < to; k++) {
      const i = k % n;
      const s = this.senders[i];
      if (!touched.has(s)) {
        touched.add(s);
        s.cork?.();
      }
      const scheduledUs = cmd.startUs + k * intervalUs;
      const seq = this.seq[i];
      const ok = s.send((buf, offset) =>
        writeStamp(buf, offset, { scheduledUs, publisher: s.index, seq, step: cmd.step }),
      );
      if (ok) {
        this.seq[i]++;
        c.sent++;
        c.lag.recordValue(Math.max(1, Math.round(now - scheduledUs)));
      } else c.notSent++;
    }
    for (const s of touched) s.uncork?.();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
