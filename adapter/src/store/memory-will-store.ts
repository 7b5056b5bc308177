import { StaleEpochError } from '../ports/session-store';
import type { OrphanWill, StoredWill, SupersededWill, WillStore } from '../ports/will-store';
import { MemoryWillTable } from './memory-will-table';

/**
 * Wills of one process. Fencing here knows only the epochs it was given
 * (supersede and put), not the session store's: follow the protocol in
 * ports/will-store.ts and call supersede after every claim.
 */
export class MemoryWillStore implements WillStore {
  constructor(
    private readonly table: MemoryWillTable = new MemoryWillTable(),
    private readonly podName: string = 'local',
    private readonly now: () => number = Date.now,
  ) {}

  put(clientId: string, epoch: number, will: StoredWill): Promise<void> {
    if (!this.table.witness(clientId, epoch)) return Promise.reject(new StaleEpochError(clientId, epoch));
    this.table.wills.set(clientId, { epoch, pod: this.podName, will });
    return Promise.resolve();
  }

  remove(clientId: string, epoch: number): Promise<void> {
    this.table.takeIf(clientId, (e) => e.epoch === epoch);
    return Promise.resolve();
  }

  take(clientId: string, epoch: number): Promise<StoredWill | undefined> {
    return Promise.resolve(this.table.takeIf(clientId, (e) => e.epoch === epoch)?.will);
  }

  schedule(clientId: string, epoch: number, delayMs: number): Promise<void> {
    const e = this.table.wills.get(clientId);
    if (e && e.epoch === epoch) e.due = this.now() + delayMs;
    return Promise.resolve();
  }

  supersede(clientId: string, epoch: number): Promise<SupersededWill | undefined> {
    this.table.witness(clientId, epoch);
    const e = this.table.takeIf(clientId, (w) => w.epoch < epoch);
    return Promise.resolve(e && { will: e.will, scheduled: e.due !== undefined });
  }

  claimDue(limit = 100): Promise<OrphanWill[]> {
    const now = this.now();
    const out: OrphanWill[] = [];
    for (const [clientId, e] of this.table.wills) {
      if (out.length >= limit) break;
      if (e.due === undefined || e.due > now) continue;
      this.table.wills.delete(clientId);
      out.push({ clientId, will: e.will });
    }
    return Promise.resolve(out);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
