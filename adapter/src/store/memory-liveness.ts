import type { Liveness, SweepScope } from '../ports/liveness';
import type { OrphanWill } from '../ports/will-store';
import { podOf } from './incarnation';
import { verdict } from './liveness-verdict';
import type { MemoryWillTable } from './memory-will-table';

/**
 * Liveness of the "pods" sharing one MemoryWillTable. A single process has
 * nobody to outlive it, so this matters for tests and for several logical
 * pods in one process; it hands over wills only (memory sessions die with
 * the process anyway). An incarnation that closed counts as one whose store
 * connections are gone; one that only stopped refreshing, as stalled.
 */
export class MemoryLiveness implements Liveness {
  constructor(
    private readonly table: MemoryWillTable,
    private readonly incarnation: string,
    private readonly ttlMs: number,
    private readonly stallMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  refresh(): Promise<void> {
    this.table.pods.set(this.incarnation, { refreshedAt: this.now(), connected: true });
    return Promise.resolve();
  }

  claimDeadPods(scope: SweepScope = 'all'): Promise<OrphanWill[]> {
    const now = this.now();
    const pod = podOf(this.incarnation);
    const out: OrphanWill[] = [];
    for (const [other, e] of this.table.pods) {
      const predecessor = podOf(other) === pod;
      if (other === this.incarnation || (scope === 'predecessors' && !predecessor)) continue;
      const since = now - e.refreshedAt;
      const v = verdict(since < this.ttlMs + this.stallMs ? since : undefined, predecessor, this.ttlMs);
      if (v === 'alive' || (v === 'ask' && e.connected)) continue;
      this.table.pods.delete(other);
      for (const [clientId, w] of this.table.wills) {
        if (w.pod !== other || w.due !== undefined) continue;
        if (w.will.delaySeconds > 0) {
          w.due = now + w.will.delaySeconds * 1000;
        } else {
          this.table.wills.delete(clientId);
          out.push({ clientId, will: w.will });
        }
      }
    }
    return Promise.resolve(out);
  }

  stop(): Promise<void> {
    this.table.pods.delete(this.incarnation);
    return Promise.resolve();
  }

  close(): Promise<void> {
    const e = this.table.pods.get(this.incarnation);
    if (e) e.connected = false;
    return Promise.resolve();
  }
}
