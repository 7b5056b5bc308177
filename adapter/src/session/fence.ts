import type { Log } from '../log';
import type { SessionStore } from '../ports/session-store';
import type { LocalRegistry } from './registry';

/** Owner epochs read at once; the reads are independent, so they go out together. */
const BATCH = 500;

/**
 * Fencing for every session, clean ones too. A takeover notice travels over
 * Redis pub/sub, which drops it when the owning pod's subscriber is
 * reconnecting; a persistent session then finds out at its next state write
 * (a stale epoch), but a clean one never writes. So every interval this pod
 * reads the owner epoch of each of its sessions, and a session whose client
 * id was claimed since is closed as taken over: a lost notice delays that close
 * by at most one interval plus one Redis round trip.
 */
export class FenceCheck {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly registry: LocalRegistry,
    private readonly sessions: Pick<SessionStore, 'epochOf'>,
    private readonly intervalMs: number,
    private readonly log: Log,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  /** One pass; resolves to the number of sessions fenced. */
  check(): Promise<number> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<number> {
    const holders = this.registry.all();
    let fenced = 0;
    for (let i = 0; i < holders.length; i += BATCH) {
      const batch = holders.slice(i, i + BATCH);
      try {
        const epochs = await Promise.all(batch.map((h) => this.sessions.epochOf(h.clientId)));
        batch.forEach((h, j) => {
          const current = epochs[j];
          if (current !== undefined && current > h.epoch) {
            fenced++;
            h.fenced();
          }
        });
      } catch (err) {
        // Redis is away: the next pass tries again; nothing is closed on a guess.
        this.log.warn({ err: (err as Error).message }, 'fence check failed');
        return fenced;
      }
    }
    return fenced;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
