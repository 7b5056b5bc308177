import {
  retainedExpired,
  type RetainedMessage,
  type RetainedPage,
  type RetainedStore,
} from '../ports/retained-store';
import { literalPrefix, topicMatches } from '../mqtt/topic';

/**
 * Retained messages of one process. Lookups walk only the topics that share
 * the filter's literal prefix, kept in a sorted array, and resume after the
 * last topic of the page before, so topics set or cleared between pages are
 * handled as in Redis.
 */
export class MemoryRetainedStore implements RetainedStore {
  private readonly byTopic = new Map<string, RetainedMessage>();
  private sorted: string[] = [];

  set(msg: RetainedMessage): Promise<void> {
    if (msg.payload.length === 0) return this.clear(msg.topic);
    if (!this.byTopic.has(msg.topic)) this.sorted.splice(this.lowerBound(msg.topic), 0, msg.topic);
    this.byTopic.set(msg.topic, msg);
    return Promise.resolve();
  }

  clear(topic: string): Promise<void> {
    if (this.byTopic.delete(topic)) this.sorted.splice(this.lowerBound(topic), 1);
    return Promise.resolve();
  }

  page(filter: string, after: string | undefined, limit: number): Promise<RetainedPage> {
    const prefix = literalPrefix(filter);
    const now = Date.now();
    if (prefix === filter) {
      const m = this.byTopic.get(filter);
      return Promise.resolve({ messages: m && after === undefined && !retainedExpired(m, now) ? [m] : [] });
    }
    const messages: RetainedMessage[] = [];
    let i = after === undefined ? this.lowerBound(prefix) : this.upperBound(after);
    for (let looked = 0; looked < limit && i < this.sorted.length; looked++, i++) {
      const topic = this.sorted[i];
      if (!topic.startsWith(prefix)) return Promise.resolve({ messages });
      const m = this.byTopic.get(topic) as RetainedMessage;
      if (topicMatches(filter, topic) && !retainedExpired(m, now)) messages.push(m);
    }
    const more = i < this.sorted.length && this.sorted[i].startsWith(prefix);
    return Promise.resolve(more ? { messages, next: this.sorted[i - 1] } : { messages });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** The index of the first topic not below `key`. */
  private lowerBound(key: string): number {
    return this.search((t) => t < key);
  }

  /** The index of the first topic above `key`: where a page after it resumes. */
  private upperBound(key: string): number {
    return this.search((t) => t <= key);
  }

  /** The first index whose topic is not `before`; the sorted order makes `before` true up to there. */
  private search(before: (topic: string) => boolean): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.sorted[mid])) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
