/**
 * Wills waiting out their v5 Will Delay Interval in this process. A client that
 * reconnects with the same id in time cancels its will [MQTT-3.1.3-9]; a delay
 * of zero publishes at once.
 */
export class WillScheduler {
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; fire: () => void }>();

  private readonly publishing = new Set<Promise<void>>();

  constructor(private readonly onError: (clientId: string, err: unknown) => void) {}

  schedule(clientId: string, delayMs: number, publish: () => Promise<void>): void {
    this.cancel(clientId);
    const fire = (): void => {
      this.timers.delete(clientId);
      const p = publish().catch((err: unknown) => this.onError(clientId, err));
      this.publishing.add(p);
      void p.finally(() => this.publishing.delete(p));
    };
    if (delayMs <= 0) {
      fire();
      return;
    }
    const timer = setTimeout(fire, delayMs);
    timer.unref();
    this.timers.set(clientId, { timer, fire });
  }

  /** True when a pending will was cancelled. */
  cancel(clientId: string): boolean {
    const t = this.timers.get(clientId);
    if (!t) return false;
    clearTimeout(t.timer);
    this.timers.delete(clientId);
    return true;
  }

  /** Resolves once every will being published has gone out or failed. */
  async settled(): Promise<void> {
    await Promise.all([...this.publishing]);
  }

  get pending(): number {
    return this.timers.size;
  }

  /** Publishes every pending will now (shutdown of the only replica holding them). */
  flush(): void {
    for (const { timer, fire } of [...this.timers.values()]) {
      clearTimeout(timer);
      fire();
    }
  }
}
