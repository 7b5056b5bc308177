import type { Clock, Timer } from '../../adapter/src/ports/clock';

interface Pending {
  readonly at: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/** A clock that moves only when a test advances it, so deadlines expire without waiting. */
export class ManualClock implements Clock {
  private t = 0;
  private readonly timers: Pending[] = [];

  now(): number {
    return this.t;
  }

  after(ms: number, fn: () => void): Timer {
    const p: Pending = { at: this.t + ms, fn, cancelled: false };
    this.timers.push(p);
    return { cancel: () => (p.cancelled = true) };
  }

  /** Timers still to fire. */
  get pending(): number {
    return this.timers.filter((p) => !p.cancelled).length;
  }

  /** Moves time on by `ms`, firing each timer that falls due, in order, with its promise reactions run after it. */
  async advance(ms: number): Promise<void> {
    const until = this.t + ms;
    for (;;) {
      const due = this.timers.filter((p) => !p.cancelled && p.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers.splice(this.timers.indexOf(due), 1);
      this.t = due.at;
      due.fn();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.t = until;
  }
}
