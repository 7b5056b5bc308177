import { performance } from 'node:perf_hooks';

/** Up to this fraction of the minimum gap is added at random to each gap, so hand-offs do not tick in step. */
export const JITTER = 0.5;

/** The gap before the next hand-off: never below 1/rate, so no second holds more than `rate` of them. */
export function gapMs(ratePerSecond: number, random: () => number = Math.random): number {
  return (1000 / ratePerSecond) * (1 + JITTER * random());
}

/**
 * How a Pacer keeps its rate. `strict`: each step at least one gap after the
 * step before, as run, so no window of a second ever holds more than the rate
 * (a late timer only lowers it). `catch-up`: each step one gap after the one
 * before was due, and steps that fell behind run together, so the average
 * rate holds even past what a timer can space (a drain in a hurry).
 */
export type PaceMode = 'strict' | 'catch-up';

/**
 * Runs steps one at a time, spaced by gapMs, the first at once, by the
 * monotonic clock (a timer can fire early against it, when the event loop's
 * cached time lags). `stop()` ends the run before its next step.
 */
export class Pacer {
  private timer: NodeJS.Timeout | undefined;
  private ended: (() => void) | undefined;

  constructor(
    private readonly ratePerSecond: number,
    private readonly mode: PaceMode = 'strict',
    private readonly random: () => number = Math.random,
  ) {}

  /** Calls `step` until it returns false or the pacer is stopped; resolves then. */
  run(step: () => boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      this.ended = resolve;
      let dueAt = performance.now();
      const next = (): void => {
        this.timer = undefined;
        while (dueAt <= performance.now()) {
          if (!step()) {
            this.finish();
            return;
          }
          const gap = gapMs(this.ratePerSecond, this.random);
          dueAt = this.mode === 'strict' ? performance.now() + gap : dueAt + gap;
        }
        this.timer = setTimeout(next, Math.max(1, Math.floor(dueAt - performance.now())));
      };
      next();
    });
  }

  get running(): boolean {
    return this.ended !== undefined;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.finish();
  }

  private finish(): void {
    const ended = this.ended;
    this.ended = undefined;
    ended?.();
  }
}
