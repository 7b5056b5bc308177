interface Node<V> {
  readonly children: Map<string, Node<V>>;
  readonly values: Set<V>;
}

const node = <V>(): Node<V> => ({ children: new Map(), values: new Set() });

/** Topics whose matches are remembered at most; past it the memory starts afresh. */
const CACHED_TOPICS = 4096;

/**
 * Topic filters to subscribers, matched per level, so fanning a message out
 * costs the depth of the topic rather than the number of subscriptions. The
 * matches of recent topics are remembered until the filters change: a
 * publisher mostly sends to the same few topics, and a cached match costs one
 * map lookup instead of a split, a walk and a new set per message.
 */
export class TopicTrie<V> {
  private readonly root: Node<V> = node();
  private count = 0;
  private cache = new Map<string, readonly V[]>();

  get size(): number {
    return this.count;
  }

  add(filter: string, value: V): void {
    let n = this.root;
    for (const level of filter.split('/')) {
      let next = n.children.get(level);
      if (!next) n.children.set(level, (next = node()));
      n = next;
    }
    if (!n.values.has(value)) {
      n.values.add(value);
      this.count++;
      this.cache = new Map();
    }
  }

  remove(filter: string, value: V): void {
    const path: [Node<V>, string][] = [];
    let n: Node<V> | undefined = this.root;
    for (const level of filter.split('/')) {
      const next: Node<V> | undefined = n.children.get(level);
      if (!next) return;
      path.push([n, level]);
      n = next;
    }
    if (n.values.delete(value)) {
      this.count--;
      this.cache = new Map();
    }
    for (let i = path.length - 1; i >= 0; i--) {
      const [parent, level] = path[i];
      const child = parent.children.get(level) as Node<V>;
      if (child.values.size > 0 || child.children.size > 0) break;
      parent.children.delete(level);
    }
  }

  /**
   * Every value whose filter matches the topic, each once. The array is
   * shared with later calls for the same topic: it is never changed, a change
   * of the filters makes new ones.
   */
  match(topic: string): readonly V[] {
    const cached = this.cache.get(topic);
    if (cached) return cached;
    const out = new Set<V>();
    const levels = topic.split('/');
    // [MQTT-4.7.2-1] wildcards at the first level never match a $ topic.
    const dollar = topic.startsWith('$');
    this.walk(this.root, levels, 0, dollar, out);
    const matched = [...out];
    if (this.cache.size >= CACHED_TOPICS) this.cache = new Map();
    this.cache.set(topic, matched);
    return matched;
  }

  private walk(n: Node<V>, levels: string[], i: number, dollar: boolean, out: Set<V>): void {
    const wildcardsAllowed = !(dollar && i === 0);
    if (wildcardsAllowed) {
      const hash = n.children.get('#');
      if (hash) {
        for (const v of hash.values) out.add(v);
        // A `#` before the last level (MQTT_ADAPTER_AMQP_WILDCARDS) spans zero or more levels, as in AMQP.
        if (hash.children.size > 0)
          for (let k = i; k <= levels.length; k++) this.walk(hash, levels, k, false, out);
      }
    }
    if (i === levels.length) {
      for (const v of n.values) out.add(v);
      return;
    }
    const exact = n.children.get(levels[i]);
    if (exact) this.walk(exact, levels, i + 1, dollar, out);
    if (wildcardsAllowed) {
      const plus = n.children.get('+');
      if (plus) this.walk(plus, levels, i + 1, dollar, out);
    }
  }
}
