import type { RedisClient } from './client';
import { UPDATE_DUE_ENTRY } from './will-scripts';

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
  ) {}

  /** Adds (or moves) the entry before the will is scheduled. */
  async announce(clientId: string, dueMs: number): Promise<void> {
    await this.redis.zadd(this.key, Math.round(dueMs), clientId);
  }

  /**
   * Adds the entry unless the client has one: that one may stand for a will
   * scheduled already, which must stay findable. Returns the entry when it
   * was added here, for a later update; undefined when one was there.
   */
  async announceIfAbsent(clientId: string, dueMs: number): Promise<DueEntry | undefined> {
    const score = Math.round(dueMs);
    const added = await this.redis.zadd(this.key, 'NX', score, clientId);
    return added === 1 ? { clientId, score: String(score) } : undefined;
  }

  /**
   * Sets the entry to the due time the will got (the Redis clock). Not XX: a
   * sweeper may have dropped the announced entry while the will was not yet
   * scheduled.
   */
  async settle(clientId: string, dueMs: number): Promise<void> {
    await this.redis.zadd(this.key, dueMs, clientId);
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
  }
}
