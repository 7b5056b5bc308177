/**
 * [MQTT-3.1.2-24] a client silent for one and a half keepalive periods is
 * disconnected. One timer per connection, re-armed lazily: a packet only
 * records the time, and the timer checks it when it fires.
 */
export class Keepalive {
  private last = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private limitMs = 0;

  constructor(private readonly expired: () => void) {}

  start(seconds: number): void {
    if (seconds <= 0) return;
    this.limitMs = seconds * 1500;
    this.arm(this.limitMs);
  }

  touch(): void {
    this.last = Date.now();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => {
      const idle = Date.now() - this.last;
      if (idle >= this.limitMs) this.expired();
      else this.arm(this.limitMs - idle);
    }, ms);
    this.timer.unref();
  }
}
