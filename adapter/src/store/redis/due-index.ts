import type { RedisClient } from './client';
import { LuaScript } from './lua-script';

/**
 * keep_index(key, ms): raises the key's TTL to at least `ms` (sets it when the
 * key has none), never lowers it; a missing key is left missing. `ms` '' keeps
 * no TTL (an index without one).
 */
const KEEP_INDEX_LUA = `
local function keep_index(key, ms)
  if ms == '' then return end
  local want = tonumber(ms)
  local ttl = redis.call('PTTL', key)
  if ttl == -2 then return end
  if ttl == -1 or ttl < want then redis.call('PEXPIRE', key, want) end
end
`;

/**
 * KEYS: the due index. ARGV: member, score, 'NX' or '', and the TTL the entry
 * needs (keep_index). The entry and the TTL that covers it are one write: an
 * index is never left with an entry its TTL does not cover. 1 when the entry
 * was set, 0 when NX found one.
 */
const ADD_DUE_ENTRY = new LuaScript(
  'add-due-entry',
  KEEP_INDEX_LUA +
    `
local added = 1
if ARGV[3] == 'NX' then
  added = redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1])
else
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
end
if added == 1 then keep_index(KEYS[1], ARGV[4]) end
return added
`,
);

/**
 * KEYS: the due index. ARGV: member, the score it was read with, a new score
 * or '' to remove, and the TTL a moved entry needs (keep_index). Changes the
 * entry only if nobody rescheduled it since.
 */
const UPDATE_DUE_ENTRY = new LuaScript(
  'update-due-entry',
  KEEP_INDEX_LUA +
    `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
if ARGV[3] == '' then
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
  keep_index(KEYS[1], ARGV[4])
end
return 1
`,
);

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

  /** The TTL that covers an entry due at `dueMs`, or '' for an index kept without one. */
  private keep(dueMs: number): number | '' {
    if (this.keepMs === undefined) return '';
    return Math.max(0, Math.round(dueMs - Date.now())) + this.keepMs;
  }

  /**
   * Adds (or moves) the entry before the will is scheduled. `ahead`: the
   * caller pipelines the scheduling behind it on the same connection, and
   * relies on this entry going first.
   */
  async announce(clientId: string, dueMs: number, ahead = false): Promise<void> {
    const score = Math.round(dueMs);
    const args = [clientId, score, '', this.keep(score)];
    await (ahead
      ? ADD_DUE_ENTRY.runInPlace(this.redis, [this.key], args)
      : ADD_DUE_ENTRY.run(this.redis, [this.key], args));
  }

  /**
   * Adds the entry unless the client has one: that one may stand for a will
   * scheduled already, which must stay findable. Returns the entry when it
   * was added here, for a later update; undefined when one was there.
   */
  async announceIfAbsent(clientId: string, dueMs: number): Promise<DueEntry | undefined> {
    const score = Math.round(dueMs);
    const added = await ADD_DUE_ENTRY.run(this.redis, [this.key], [clientId, score, 'NX', this.keep(score)]);
    return added === 1 ? { clientId, score: String(score) } : undefined;
  }

  /**
   * Sets the entry to the due time the will got (the Redis clock). Not XX: a
   * sweeper may have dropped the announced entry while the will was not yet
   * scheduled.
   */
  async settle(clientId: string, dueMs: number): Promise<void> {
    await ADD_DUE_ENTRY.run(this.redis, [this.key], [clientId, dueMs, '', this.keep(dueMs)]);
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
    const later = laterMs === undefined ? ['', ''] : [laterMs, this.keep(laterMs)];
    await UPDATE_DUE_ENTRY.run(this.redis, [this.key], [entry.clientId, entry.score, ...later]);
  }
}
