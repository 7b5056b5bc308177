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

  private arm(ms: number): void {
    this.timer = this.clock.after(
      ms,
      () => {
        const idle = this.clock.now() - this.last;
        if (idle >= this.limitMs) this.expired();
        else this.arm(this.limitMs - idle);
      },
      { unref: true },
    );
  }
}
