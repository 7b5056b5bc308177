import type { Logger } from 'pino';
import type { Liveness } from '../ports/liveness';
import type { SessionStore } from '../ports/session-store';
import type { WillStore } from '../ports/will-store';
import type { SessionReaper } from './session-reaper';
import type { WillPublisher } from './will-publisher';

/**
 * Runs on every replica: keeps this incarnation's liveness fresh, takes over
 * the connections of dead incarnations (see store/liveness-verdict.ts),
 * publishing their wills, each exactly once across the deployment, publishes
 * delayed wills that came due, and ends the sessions that expired while no
 * connection held them, deleting their queues (wills of such sessions were
 * scheduled for their expiry at the latest, and come due as wills). (The store work of connections that closed
 * while Redis was out of reach is redone apart, by the StoreBacklog, so an
 * entry that keeps failing never holds up a sweep.)
 */
export class Sweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** Since when this pod has reached Redis without a failure; undefined after one. */
  private reachableSince: number | undefined;
  /** How long it must have reached Redis before it sweeps other pods: one TTL at start, two after a failure. */
  private settleMs: number;

  constructor(
    private readonly liveness: Liveness,
    private readonly wills: WillStore,
    private readonly publisher: WillPublisher,
    private readonly sessions: SessionStore,
    private readonly reaper: SessionReaper,
    private readonly intervalMs: number,
    /** MQTT_ADAPTER_LIVENESS_TTL_MS: how long the other live pods may need to refresh their keys. */
    private readonly livenessTtlMs: number,
    private readonly log: Logger,
  ) {
    this.settleMs = livenessTtlMs;
  }

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
      this.reachableSince ??= Date.now();
      // After Redis was out of reach (or at start), the other live pods' keys may have expired
      // meanwhile; they get time to refresh them before this pod takes any of them for dead, or a
      // Redis outage would displace live clients and fire their wills. After an outage that is two
      // TTLs: the others come back one by one (reconnect backoff, a command caught by the outage).
      // Earlier incarnations of this pod need no settling: a pod runs one process at a time, so one
      // whose connections are gone is dead whatever an outage did to its key. A container restarted
      // in place thus hands over its predecessor's clients from its first tick.
      const settled = Date.now() - this.reachableSince >= this.settleMs;
      for (const o of await this.liveness.claimDeadPods(settled ? 'all' : 'predecessors'))
        void this.publisher.publish(o.clientId, o.will, 'sweep');
      for (const o of await this.wills.claimDue()) void this.publisher.publish(o.clientId, o.will, 'delay');
      for (const s of await this.sessions.claimExpired()) void this.reaper.reap(s);
      this.reaper.prune();
      this.publisher.prune();
    } catch (err) {
      this.reachableSince = undefined;
      this.settleMs = 2 * this.livenessTtlMs;
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
