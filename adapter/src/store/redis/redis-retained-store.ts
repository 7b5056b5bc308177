import type { RetainedMessage, RetainedStore } from '../../ports/retained-store';
import { literalPrefix, topicMatches } from '../../mqtt/topic';
import type { RedisClient } from './client';
import { RedisKeys } from './keys';
import { execOrThrow } from './multi';
import { decodeRetained, encodeRetained } from './retained-codec';
import { after, prefixRange, scanPrefix } from './topic-range';

/** Topics read per ZRANGEBYLEX call, so a broad filter never blocks Redis for long. */
const PAGE = 500;

/**
 * Retained messages shared by all replicas: a hash of topic -> message and a
 * sorted set of topics (all score 0, so ordered by bytes). A wildcard filter
 * reads only the topics under its literal prefix, then matches them here.
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

  async match(filter: string): Promise<RetainedMessage[]> {
    if (literalPrefix(filter) === filter) return this.exact(filter);
    const prefix = scanPrefix(filter);
    const out: RetainedMessage[] = [];
    let { min } = prefixRange(prefix);
    const { max } = prefixRange(prefix);
    for (;;) {
      const topics = await this.redis.zrangebylex(this.index, min, max, 'LIMIT', 0, PAGE);
      const wanted = topics.filter((t) => topicMatches(filter, t));
      if (wanted.length > 0) out.push(...(await this.fetch(wanted)));
      if (topics.length < PAGE) return out;
      min = after(topics[topics.length - 1]);
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private async exact(topic: string): Promise<RetainedMessage[]> {
    const value = await this.redis.hgetBuffer(this.messages, topic);
    return value ? [decodeRetained(topic, value)] : [];
  }

  /** Topics cleared between the range read and this one come back null and are skipped. */
  private async fetch(topics: string[]): Promise<RetainedMessage[]> {
    const values = await this.redis.hmgetBuffer(this.messages, ...topics);
    const out: RetainedMessage[] = [];
    topics.forEach((topic, i) => {
      const value = values[i];
      if (value) out.push(decodeRetained(topic, value));
    });
    return out;
  }
}
