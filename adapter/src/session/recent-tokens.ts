import type { Qos2Mark } from '../ports/message';

/** How many tokens a session remembers; about 100 bytes each, held only by sessions that get marked messages. */
export const RECENT_TOKENS = 4096;

/**
 * The tokens of QoS 2 messages a session delivered lately, per queue, oldest
 * forgotten first. A copy published again after a replica failure carries its
 * original's token and the `resent` flag: when either of the two was seen,
 * the later one is a duplicate. Two unflagged ones with one token are never
 * taken for one: only a republish makes a copy, and it is always flagged.
 */
export class RecentTokens {
  /** Key: queue and token; value: whether the copy seen was flagged. Insertion order is FIFO order. */
  private readonly seen = new Map<string, boolean>();

  constructor(private readonly capacity = RECENT_TOKENS) {}

  /** Whether this delivery is a copy of one already delivered; remembers it otherwise. */
  duplicate(queue: string, mark: Qos2Mark): boolean {
    const key = `${queue}\n${mark.token}`;
    const flagged = this.seen.get(key);
    if (flagged !== undefined && (flagged || mark.resent)) return true;
    if (flagged === undefined) {
      if (this.seen.size >= this.capacity) this.seen.delete(this.seen.keys().next().value as string);
      this.seen.set(key, mark.resent);
    }
    return false;
  }

  get size(): number {
    return this.seen.size;
  }
}
