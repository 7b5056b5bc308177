/**
 * Store work of closed connections that failed while Redis was unreachable
 * (an outage, a failover): a will to settle, a client id's ownership to
 * release. Without a retry the will would never be published and the owner
 * record, which has no expiry while owned, would stay for good. The sweeper
 * redoes the entries in order once Redis answers. Each entry is fenced by its
 * connection's epoch or name, so redoing it late, even after a newer connection of the
 * client, changes nothing that connection holds; a later entry under the same
 * key replaces the older one. Keys name client ids or connections, so the
 * backlog grows with the clients that came and went while Redis was away; past
 * `limit` the oldest entry is dropped (`dropped` counts them), so a long
 * outage under a reconnect storm cannot exhaust memory.
 */
export class StoreBacklog {
  private readonly pending = new Map<string, () => Promise<unknown>>();
  dropped = 0;

  constructor(private readonly limit = 100_000) {}

  later(key: string, work: () => Promise<unknown>): void {
    this.pending.delete(key);
    this.pending.set(key, work);
    if (this.pending.size > this.limit) {
      const oldest = this.pending.keys().next().value as string;
      this.pending.delete(oldest);
      this.dropped++;
    }
  }

  get size(): number {
    return this.pending.size;
  }

  /** Runs the entries in order; throws at the first that fails again, keeping it and the rest. */
  async runAll(): Promise<void> {
    for (const [key, work] of this.pending) {
      await work();
      // Unless a newer entry replaced it meanwhile.
      if (this.pending.get(key) === work) this.pending.delete(key);
    }
  }
}
