import { StaleEpochError } from '../../ports/session-store';
import type { OrphanWill, StoredWill, SupersededWill, WillStore } from '../../ports/will-store';
import type { RedisClient } from './client';
import { DueIndex, type DueEntry } from './due-index';
import { RedisKeys } from './keys';
import { willArgs } from './will-codec';
import { parseWillReply } from './will-reply';
import {
  FORGET_TAKEN_WILL,
  PUT_WILL,
  REMOVE_WILL,
  SCHEDULE_WILL,
  SUPERSEDE_WILL,
  TAKE_DUE_WILL,
  TAKE_WILL,
} from './will-scripts';

/**
 * How long a will taken by a supersede is kept for a retry whose first reply
 * was lost: longer than the store backlog retries (about 9 minutes).
 */
const TAKEN_KEPT_MS = 3_600_000;

/**
 * Wills in Redis: a hash per client beside its owner hash (one slot), fenced
 * by the owner's epoch, and a due index shared by all pods for the sweeper.
 */
export class RedisWillStore implements WillStore {
  private readonly due: DueIndex;

  /** The client is shared, not owned: close() leaves it open. */
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys = new RedisKeys(),
  ) {
    this.due = new DueIndex(redis, keys.willsDue());
  }

  async put(clientId: string, epoch: number, will: StoredWill): Promise<void> {
    const keys = [this.keys.owner(clientId), this.keys.will(clientId)];
    const ok = await PUT_WILL.run(this.redis, keys, [String(epoch), ...willArgs(will)]);
    if (ok !== 1) throw new StaleEpochError(clientId, epoch);
  }

  async remove(clientId: string, epoch: number): Promise<void> {
    await REMOVE_WILL.run(this.redis, [this.keys.will(clientId)], [String(epoch)]);
  }

  async take(clientId: string, epoch: number): Promise<StoredWill | undefined> {
    const reply = parseWillReply(
      await TAKE_WILL.runBuffer(this.redis, [this.keys.will(clientId)], [String(epoch)]),
    );
    return reply.kind === 'will' ? reply.will : undefined;
  }

  async schedule(clientId: string, epoch: number, delayMs: number): Promise<void> {
    await this.due.announce(clientId, Date.now() + delayMs);
    const due = await SCHEDULE_WILL.run(this.redis, [this.keys.will(clientId)], [String(epoch), delayMs]);
    if (typeof due === 'number' && due >= 0) await this.due.settle(clientId, due);
  }

  async supersede(clientId: string, epoch: number): Promise<SupersededWill | undefined> {
    const taken = this.keys.willTaken(clientId);
    const keys = [this.keys.will(clientId), taken];
    const reply = parseWillReply(
      await SUPERSEDE_WILL.runBuffer(this.redis, keys, [String(epoch), TAKEN_KEPT_MS]),
    );
    if (reply.kind !== 'will') return undefined;
    // The reply came: no retry will ask for it. Left behind if this fails, it expires.
    await FORGET_TAKEN_WILL.run(this.redis, [taken], [String(epoch)]).catch(() => undefined);
    return { will: reply.will, scheduled: reply.scheduled };
  }

  async claimDue(limit = 100): Promise<OrphanWill[]> {
    // Entries are independent: their scripts go out together, not one round trip each.
    const entries = await this.due.due(Date.now(), limit);
    const taken = await Promise.all(entries.map((entry) => this.takeDue(entry)));
    return taken.filter((w): w is OrphanWill => w !== undefined);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private async takeDue(entry: DueEntry): Promise<OrphanWill | undefined> {
    const reply = parseWillReply(await TAKE_DUE_WILL.runBuffer(this.redis, [this.keys.will(entry.clientId)]));
    await this.due.update(entry, reply.kind === 'later' ? reply.due : undefined);
    return reply.kind === 'will' ? { clientId: entry.clientId, will: reply.will } : undefined;
  }
}
