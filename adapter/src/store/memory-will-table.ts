import type { StoredWill } from '../ports/will-store';

export interface WillEntry {
  readonly epoch: number;
  /** The pod whose connection stored it: the liveness sweep hands over a dead pod's wills. */
  readonly pod: string;
  readonly will: StoredWill;
  /** Set once scheduled: when the will is due (ms). */
  due?: number;
}

/** One incarnation's liveness record. */
export interface PodEntry {
  /** When it last refreshed (ms). */
  refreshedAt: number;
  /** False once it closed: what a closed store connection is to the Redis backend. */
  connected: boolean;
}

/**
 * The state MemoryWillStore and MemoryLiveness instances share: in one process
 * several "pods" (tests, `make run`) see one table, as replicas see one Redis.
 */
export class MemoryWillTable {
  readonly wills = new Map<string, WillEntry>();
  /** The newest epoch seen per client id: a will under an older one is refused. */
  readonly epochs = new Map<string, number>();
  /** Incarnation -> its liveness record. */
  readonly pods = new Map<string, PodEntry>();

  /** Removes and returns the entry when the test holds. */
  takeIf(clientId: string, test: (e: WillEntry) => boolean): WillEntry | undefined {
    const e = this.wills.get(clientId);
    if (!e || !test(e)) return undefined;
    this.wills.delete(clientId);
    return e;
  }

  /** Records that a connection of this epoch exists; returns false when a newer one does. */
  witness(clientId: string, epoch: number): boolean {
    const newest = this.epochs.get(clientId) ?? -Infinity;
    if (epoch < newest) return false;
    this.epochs.set(clientId, epoch);
    return true;
  }
}
