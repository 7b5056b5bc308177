import type { Liveness } from '../ports/liveness';
import type { OrphanWill } from '../ports/will-store';
import type { MemoryWillTable } from './memory-will-table';

/**
 * Liveness of the "pods" sharing one MemoryWillTable. A single process has
 * nobody to outlive it, so this matters for tests and for several logical
 * pods in one process; it hands over wills only (memory sessions die with
 * the process anyway).
 */
export class MemoryLiveness implements Liveness {
  constructor(
    private readonly table: MemoryWillTable,
    private readonly podName: string,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  refresh(): Promise<void> {
    this.table.pods.set(this.podName, this.now() + this.ttlMs);
    return Promise.resolve();
  }

  claimDeadPods(): Promise<OrphanWill[]> {
    const now = this.now();
    const out: OrphanWill[] = [];
    for (const [pod, aliveUntil] of this.table.pods) {
      if (pod === this.podName || aliveUntil > now) continue;
      this.table.pods.delete(pod);
      for (const [clientId, e] of this.table.wills) {
        if (e.pod !== pod || e.due !== undefined) continue;
        if (e.will.delaySeconds > 0) {
          e.due = now + e.will.delaySeconds * 1000;
        } else {
          this.table.wills.delete(clientId);
          out.push({ clientId, will: e.will });
        }
      }
    }
    return Promise.resolve(out);
  }

  stop(): Promise<void> {
    this.table.pods.delete(this.podName);
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
