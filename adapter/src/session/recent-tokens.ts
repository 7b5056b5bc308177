import type { Qos2Mark } from '../ports/message';
import type { RecentToken } from '../ports/session-store';

/** How many tokens a session remembers; about 100 bytes each, held only by sessions that get marked messages. */
export const RECENT_TOKENS = 4096;

/**
 * How many of them a closing session hands to the next connection: a copy is
 * published again within seconds of its original (the publisher's resend after
 * its replica failed), so the newest few cover it.
 */
export const HANDED_ON_TOKENS = 256;

/**
 * The tokens of QoS 2 messages a session delivered lately, per queue, oldest
 * forgotten first. A copy published again after a replica failure carries its
 * original's token and the `resent` flag: when either of the two was seen,
 * the later one is a duplicate. Two unflagged ones with one token are never
 * taken for one: only a republish makes a copy, and it is always flagged.
 */
export class RecentTokens {
  /** Key: queue and token; value: whether the copy seen was flagged. Insertion order is FIFO order. */
  private readonly tokens = new Map<string, boolean>();

  constructor(
    private readonly capacity = RECENT_TOKENS,
    handedOn: readonly RecentToken[] = [],
  ) {
    for (const t of handedOn.slice(-capacity)) this.tokens.set(`${t.queue}\n${t.token}`, t.resent === true);
  }

  /** The newest `n`, oldest first, for the session's next connection. */
  newest(n = HANDED_ON_TOKENS): RecentToken[] {
    return [...this.tokens].slice(-n).map(([key, resent]) => {
      const at = key.lastIndexOf('\n');
      return { queue: key.slice(0, at), token: key.slice(at + 1), ...(resent ? { resent } : {}) };
    });
  }

  /** Whether this delivery is a copy of one already delivered; remembers it otherwise. */
  duplicate(queue: string, mark: Qos2Mark): boolean {
    const key = `${queue}\n${mark.token}`;
    const flagged = this.tokens.get(key);
    if (flagged !== undefined && (flagged || mark.resent)) return true;
    if (flagged === undefined) {
      if (this.tokens.size >= this.capacity) this.tokens.delete(this.tokens.keys().next().value as string);
      this.tokens.set(key, mark.resent);
    }
    return false;
  }

  /** Whether a message with this token came from this queue lately, flagged or not. */
  seen(queue: string, token: string): boolean {
    return this.tokens.has(`${queue}\n${token}`);
  }

  get size(): number {
    return this.tokens.size;
  }
}
