/** One publish whose confirm is awaited. */
export interface ConfirmWait {
  readonly at: number;
  readonly fail: () => void;
  done: boolean;
}

/**
 * The confirm waits of one confirm channel, oldest first, under one timer for
 * the oldest. RabbitMQ under a resource alarm, or a node that stopped without
 * closing its sockets, sends no confirm and no error: amqplib would wait until
 * the heartbeat gives the connection up, and a wait that long holds a PUBACK,
 * or a will being published, for minutes. Once the oldest wait is `ms` old
 * every wait on the channel fails, as a channel loss fails them, and
 * `expired` is told to let the channel go.
 */
export class ConfirmDeadline {
  private readonly waits: ConfirmWait[] = [];
  private timer: NodeJS.Timeout | undefined;
  private expired = false;

  constructor(
    private readonly ms: number,
    private readonly onExpired: () => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Starts a wait; `fail` ends it should the deadline pass first. */
  track(fail: () => void): ConfirmWait {
    const w = { at: this.now(), fail, done: false };
    if (this.expired) {
      w.done = true;
      fail();
      return w;
    }
    this.waits.push(w);
    if (!this.timer) this.arm(this.ms);
    return w;
  }

  /** Ends a wait; false when the deadline ended it already (the confirm came too late to count). */
  settle(w: ConfirmWait): boolean {
    if (w.done) return false;
    w.done = true;
    this.dropSettled();
    if (this.waits.length === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    return true;
  }

  private dropSettled(): void {
    while (this.waits.length > 0 && this.waits[0].done) this.waits.shift();
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.check(), ms);
    this.timer.unref();
  }

  private check(): void {
    this.timer = undefined;
    this.dropSettled();
    const oldest = this.waits[0];
    if (!oldest) return;
    const left = oldest.at + this.ms - this.now();
    if (left > 0) {
      this.arm(left);
      return;
    }
    this.expired = true;
    for (const w of this.waits.splice(0)) {
      w.done = true;
      w.fail();
    }
    this.onExpired();
  }
}
