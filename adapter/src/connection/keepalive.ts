import { systemClock, type Clock, type Timer } from '../ports/clock';

/**
 * [MQTT-3.1.2-24] a client silent for one and a half keepalive periods is
 * disconnected. One timer per connection, re-armed lazily: a packet only
 * records the time, and the timer checks it when it fires.
 */
export class Keepalive {
  private last: number;
  private timer: Timer | undefined;
  private limitMs = 0;

  constructor(
    private readonly expired: () => void,
    private readonly clock: Clock = systemClock,
  ) {
    this.last = clock.now();
  }

  start(seconds: number): void {
    if (seconds <= 0) return;
    this.limitMs = seconds * 1500;
    this.arm(this.limitMs);
  }

  touch(): void {
    this.last = this.clock.now();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Re-arms for the rest of the period when the client was heard from in time. */
  private rearmed(): boolean {
    const idle = this.clock.now() - this.last;
    if (idle >= this.limitMs) return false;
    this.arm(this.limitMs - idle);
    return true;
  }

  private arm(ms: number): void {
    this.timer = this.clock.after(
      ms,
      () => {
        if (this.rearmed()) return;
        // Past the limit by the clock: but a process that was stalled (GC, CPU throttling, SIGSTOP) runs its
        // timers before it reads what its sockets received meanwhile, so one I/O phase reads first.
        setImmediate(() => {
          if (this.timer !== undefined && !this.rearmed()) this.expired();
        });
      },
      { unref: true },
    );
  }
}
