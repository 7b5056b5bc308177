import type { RedisClient } from './client';
import { KEEP_INDEX, UPDATE_DUE_ENTRY } from './will-scripts';

export interface DueEntry {
  readonly clientId: string;
  /** The score as Redis printed it, to recognise the entry unchanged later. */
  readonly score: string;
}

/**
 * The sorted set of scheduled wills by due time. It is only a hint across
 * slots: the will hash (one slot with its client) is the truth. Entries are
 * written before the will is scheduled, so a crash in between leaves an entry
 * too many (dropped on the next look), never a scheduled will without one.
 */
export class DueIndex {
  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    /**
     * When set, the index outlives its latest entry by this much and no more:
     * entries that stay until their time (a session's deadline) would
     * otherwise keep it forever once no replica is left to sweep them.
     */
    private readonly keepMs?: number,
  ) {}

  /** Raises the index's TTL to cover an entry due at `dueMs`. */
  private async keep(dueMs: number): Promise<void> {
    if (this.keepMs === undefined) return;
    await KEEP_INDEX.run(this.redis, [this.key], [Math.max(0, Math.round(dueMs - Date.now())) + this.keepMs]);
  }

  /** Adds (or moves) the entry before the will is scheduled. */
  async announce(clientId: string, dueMs: number): Promise<void> {
    await this.redis.zadd(this.key, Math.round(dueMs), clientId);
    await this.keep(dueMs);
  }

  /**
   * Adds the entry unless the client has one: that one may stand for a will
   * scheduled already, which must stay findable. Returns the entry when it
   * was added here, for a later update; undefined when one was there.
   */
  async announceIfAbsent(clientId: string, dueMs: number): Promise<DueEntry | undefined> {
    const score = Math.round(dueMs);
    const added = await this.redis.zadd(this.key, 'NX', score, clientId);
    if (added !== 1) return undefined;
    await this.keep(score);
    return { clientId, score: String(score) };
  }

  /**
   * Sets the entry to the due time the will got (the Redis clock). Not XX: a
   * sweeper may have dropped the announced entry while the will was not yet
   * scheduled.
   */
  async settle(clientId: string, dueMs: number): Promise<void> {
    await this.redis.zadd(this.key, dueMs, clientId);
    await this.keep(dueMs);
  }

  /** Drops the client's entry, whatever its time. */
  async forget(clientId: string): Promise<void> {
    await this.redis.zrem(this.key, clientId);
  }

  async due(nowMs: number, limit: number): Promise<DueEntry[]> {
    const flat = await this.redis.zrangebyscore(this.key, '-inf', nowMs, 'WITHSCORES', 'LIMIT', 0, limit);
    const out: DueEntry[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push({ clientId: flat[i], score: flat[i + 1] });
    return out;
  }

  /** Removes the entry, or moves it to a later time, unless it was rescheduled meanwhile. */
  async update(entry: DueEntry, laterMs?: number): Promise<void> {
    await UPDATE_DUE_ENTRY.run(this.redis, [this.key], [entry.clientId, entry.score, laterMs ?? '']);
    if (laterMs !== undefined) await this.keep(laterMs);
  }
}
