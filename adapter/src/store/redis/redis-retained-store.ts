import {
  retainedExpired,
  type RetainedMessage,
  type RetainedPage,
  type RetainedStore,
} from '../../ports/retained-store';
import { literalPrefix, topicMatches } from '../../mqtt/topic';
import type { RedisClient } from './client';
import { RedisKeys } from './keys';
import { execOrThrow } from './multi';
import { decodeRetained, encodeRetained } from './retained-codec';
import { after, prefixRange, scanPrefix } from './topic-range';

/**
 * Retained messages shared by all replicas: a hash of topic -> message and a
 * sorted set of topics (all score 0, so ordered by bytes). A wildcard filter
 * reads only the topics under its literal prefix, a page at a time
 * (ZRANGEBYLEX with LIMIT, resumed after the last topic read), and matches
 * them here; nothing is held in Redis between pages.
 *
 * Both keys carry the hash tag `{retained}`, so in Redis Cluster all retained
 * messages sit in one slot: set and clear stay atomic (MULTI) and a range
 * query touches one node. The cost is that retained messages do not spread
 * over Cluster shards; see docs/redis-keys.md.
 */
export class RedisRetainedStore implements RetainedStore {
  private readonly messages: string;
  private readonly index: string;

  /** The client is shared, not owned: close() leaves it open. */
  constructor(
    private readonly redis: RedisClient,
    keys: RedisKeys = new RedisKeys(),
  ) {
    this.messages = keys.retainedMessages();
    this.index = keys.retainedIndex();
  }

  async set(msg: RetainedMessage): Promise<void> {
    // [MQTT-3.3.1-10] a zero-length retained payload removes the retained message.
    if (msg.payload.length === 0) return this.clear(msg.topic);
    await execOrThrow(
      this.redis.multi().hset(this.messages, msg.topic, encodeRetained(msg)).zadd(this.index, 0, msg.topic),
    );
  }

  async clear(topic: string): Promise<void> {
    await execOrThrow(this.redis.multi().hdel(this.messages, topic).zrem(this.index, topic));
  }

  async page(filter: string, from: string | undefined, limit: number): Promise<RetainedPage> {
    if (literalPrefix(filter) === filter) {
      // A filter without wildcards is one topic: one page, however large the limit.
      return { messages: from === undefined ? await this.fetch([filter]) : [] };
    }
    const range = prefixRange(scanPrefix(filter));
    const min = from === undefined ? range.min : after(from);
    const topics = await this.redis.zrangebylex(this.index, min, range.max, 'LIMIT', 0, limit);
    const wanted = topics.filter((t) => topicMatches(filter, t));
    const messages = wanted.length > 0 ? await this.fetch(wanted) : [];
    return topics.length < limit ? { messages } : { messages, next: topics[topics.length - 1] };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Topics cleared between the range read and this one come back null and are skipped, as are expired ones. */
  private async fetch(topics: string[]): Promise<RetainedMessage[]> {
    const values = await this.redis.hmgetBuffer(this.messages, ...topics);
    const now = Date.now();
    const out: RetainedMessage[] = [];
    topics.forEach((topic, i) => {
      const value = values[i];
      if (!value) return;
      const m = decodeRetained(topic, value);
      if (!retainedExpired(m, now)) out.push(m);
    });
    return out;
  }
}
