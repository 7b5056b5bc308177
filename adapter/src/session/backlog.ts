import type { Logger } from 'pino';
import type { Clock, Timer } from '../ports/clock';
import { doublingPause } from './backoff';
import { withDeadline } from './deadline';

/**
 * Attempts per entry, the one that failed before the entry was queued
 * included, and the pause after the first failure, doubled after each further
 * one up to RETRY_MAX_MS. Together they give an entry about 9 minutes
 * (0.5 + 1 + 2 + 4 + 8 + 34 × 15 s): a Sentinel or Cluster failover takes
 * seconds and a Redis pod rescheduled on another node a few minutes, so an
 * entry still failing after that fails for itself (a bug, data Redis refuses),
 * and retrying it for good would only add load and log noise. The first pause
 * matches the default sweep interval, at which entries were retried before;
 * the cap keeps a will at most 15 s late once Redis is back.
 */
export const MAX_ATTEMPTS = 40;
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 15_000;

/** Pause after `failures` failed attempts. */
export function retryDelay(failures: number): number {
  return doublingPause(failures, RETRY_FIRST_MS, RETRY_MAX_MS);
}

export type DropReason = 'attempts' | 'overflow';

export interface BacklogOptions {
  readonly clock: Clock;
  readonly log: Logger;
  /** Counts an entry given up on. */
  readonly onDrop?: (reason: DropReason) => void;
  readonly limit?: number;
  /** Longest the backlog waits for one attempt before it goes on to the next entry. */
  readonly attemptTimeoutMs?: number;
}

interface Entry {
  readonly work: () => Promise<unknown>;
  failures: number;
  dueAt: number;
  /** An attempt is under way; it may outlast the backlog's wait for it. */
  trying?: boolean;
}

/**
 * Store work of closed connections that failed while Redis was unreachable
 * (an outage, a failover): a will to settle, a client id's ownership to
 * release. Without a retry the will would never be published and the owner
 * record, which has no expiry while owned, would stay for good. The backlog
 * redoes each entry on its own timer, apart from the will sweep, so an entry
 * that keeps failing delays neither the sweep nor the entries after it; past
 * MAX_ATTEMPTS it is logged and dropped. Each entry is fenced by its
 * connection's epoch or name, so redoing it late, even after a newer connection of the
 * client, changes nothing that connection holds; a later entry under the same
 * key replaces the older one. Keys name client ids or connections, so the
 * backlog grows with the clients that came and went while Redis was away; past
 * `limit` the oldest entry is dropped, so a long outage under a reconnect
 * storm cannot exhaust memory. Entries are tried in order, but one whose
 * attempt hangs (a confirm or channel RabbitMQ never answers) holds the
 * others back for `attemptTimeoutMs` only: its attempt goes on meanwhile, is
 * not started again while it runs, and counts once it ends.
 */
export class StoreBacklog {
  private readonly pending = new Map<string, Entry>();
  private readonly clock: Clock;
  private readonly limit: number;
  private readonly attemptTimeoutMs: number;
  private timer: Timer | undefined;
  private armedFor = Infinity;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: BacklogOptions) {
    this.clock = options.clock;
    this.limit = options.limit ?? 100_000;
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? 30_000;
  }

  /** Queues `work`, which has just failed once, to be tried again. */
  later(key: string, work: () => Promise<unknown>): void {
    const dueAt = this.clock.now() + retryDelay(1);
    this.pending.delete(key);
    this.pending.set(key, { work, failures: 1, dueAt });
    if (this.pending.size > this.limit) {
      const oldest = this.pending.keys().next().value as string;
      this.pending.delete(oldest);
      this.options.onDrop?.('overflow');
    }
    // A new entry is due no later than any other, so it alone can bring the timer forward.
    this.arm(dueAt);
  }

  get size(): number {
    return this.pending.size;
  }

  /** Cancels the timer and waits for the entry being tried; what is left is not tried again. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    await this.running;
  }

  private arm(dueAt: number): void {
    if (this.stopped || this.running || dueAt >= this.armedFor) return;
    this.timer?.cancel();
    this.armedFor = dueAt;
    this.timer = this.clock.after(
      Math.max(0, dueAt - this.clock.now()),
      () => {
        this.timer = undefined;
        this.armedFor = Infinity;
        this.running = this.runDue().finally(() => {
          this.running = undefined;
          this.arm(this.earliestDue());
        });
      },
      { unref: true },
    );
  }

  private earliestDue(): number {
    let due = Infinity;
    // An entry whose attempt is under way is due again only once that attempt has failed.
    for (const e of this.pending.values()) if (!e.trying) due = Math.min(due, e.dueAt);
    return due;
  }

  /** Tries, in order, the entries that are due; one failing only puts itself off. */
  private async runDue(): Promise<void> {
    for (const [key, entry] of [...this.pending]) {
      if (this.stopped) return;
      // Replaced by a newer entry, still being tried, or not yet due.
      if (this.pending.get(key) !== entry || entry.trying || entry.dueAt > this.clock.now()) continue;
      entry.trying = true;
      await withDeadline(this.attempt(key, entry), this.attemptTimeoutMs, this.clock);
    }
  }

  private async attempt(key: string, entry: Entry): Promise<void> {
    try {
      await entry.work();
      if (this.pending.get(key) === entry) this.pending.delete(key);
    } catch (err) {
      if (this.pending.get(key) === entry) this.failed(key, entry, err as Error);
    } finally {
      entry.trying = false;
      // Ended after the run that started it moved on: its next try needs the timer.
      if (this.pending.get(key) === entry) this.arm(entry.dueAt);
    }
  }

  private failed(key: string, entry: Entry, err: Error): void {
    entry.failures++;
    if (entry.failures < MAX_ATTEMPTS) {
      entry.dueAt = this.clock.now() + retryDelay(entry.failures);
      return;
    }
    this.pending.delete(key);
    this.options.log.error(
      { key, attempts: entry.failures, err: err.message },
      'store work dropped after retries',
    );
    this.options.onDrop?.('attempts');
  }
}
