import type { RetainedMessage, RetainedStore } from '../ports/retained-store';
import { literalPrefix, topicMatches } from '../mqtt/topic';

/**
 * Retained messages of one process. Lookups walk only the topics that share
 * the filter's literal prefix, kept in a sorted array.
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

  match(filter: string): Promise<RetainedMessage[]> {
    const prefix = literalPrefix(filter);
    const out: RetainedMessage[] = [];
    for (let i = this.lowerBound(prefix); i < this.sorted.length; i++) {
      const topic = this.sorted[i];
      if (!topic.startsWith(prefix)) break;
      if (topicMatches(filter, topic)) out.push(this.byTopic.get(topic) as RetainedMessage);
    }
    return Promise.resolve(out);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
