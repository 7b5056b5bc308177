import type { Logger } from 'pino';
import type { Liveness } from '../ports/liveness';
import type { WillStore } from '../ports/will-store';
import type { WillPublisher } from './will-publisher';

/**
 * Runs on every replica: keeps this pod's liveness key fresh, takes over the
 * connections of pods whose key expired (publishing their wills, each exactly
 * once across the deployment), and publishes delayed wills that came due.
 */
export class Sweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly liveness: Liveness,
    private readonly wills: WillStore,
    private readonly publisher: WillPublisher,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    const tick = (): void => {
      // One sweep at a time: a slow Redis must not stack them up.
      this.running ??= this.sweep().finally(() => (this.running = undefined));
    };
    tick();
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref();
  }

  async sweep(): Promise<void> {
    try {
      await this.liveness.refresh();
      for (const o of await this.liveness.claimDeadPods())
        void this.publisher.publish(o.clientId, o.will, 'sweep');
      for (const o of await this.wills.claimDue()) void this.publisher.publish(o.clientId, o.will, 'delay');
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'sweep failed');
    }
  }

  /** Stops sweeping; with `leave`, this pod is forgotten (a clean shutdown, everything released). */
  async stop(leave: boolean): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
    if (leave) await this.liveness.stop().catch(() => undefined);
  }
}
