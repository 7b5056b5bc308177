import type { FastPathSubscriber } from '../../../adapter/src/ports/broker';
import { filterToBindingKey } from '../../../adapter/src/mqtt/topic';
import { TopicTrie } from '../../../adapter/src/mqtt/topic-trie';
import type { FakeQueue, Stored } from './queue';
import { toDelivery } from './queue';

type Binder = (queue: string, key: string) => Promise<void>;

/**
 * One user's QoS 0 fast path, as the adapter keeps one per pooled connection:
 * one queue, bindings counted by key and made by the subscribing client's own
 * link (so its permission is checked), and a trie fanning messages out.
 */
export class FakeFastPath {
  private readonly trie = new TopicTrie<FastPathSubscriber>();
  private readonly refs = new Map<string, number>();

  constructor(readonly queue: FakeQueue) {}

  async add(filter: string, s: FastPathSubscriber, bind: Binder): Promise<void> {
    const key = filterToBindingKey(filter);
    if ((this.refs.get(key) ?? 0) === 0) await bind(this.queue.name, key);
    this.refs.set(key, (this.refs.get(key) ?? 0) + 1);
    this.trie.add(filter, s);
  }

  async remove(filter: string, s: FastPathSubscriber, unbind: Binder): Promise<void> {
    this.trie.remove(filter, s);
    const key = filterToBindingKey(filter);
    const left = (this.refs.get(key) ?? 1) - 1;
    if (left > 0) this.refs.set(key, left);
    else if (this.refs.delete(key)) await unbind(this.queue.name, key).catch(() => undefined);
  }

  /** Messages reach subscribers asynchronously, unacknowledged (noAck), as from RabbitMQ. */
  dispatch(m: Stored): void {
    const d = toDelivery(m, 0);
    setImmediate(() => {
      for (const s of this.trie.match(d.topic)) s.deliverFast(d, '');
    });
  }
}
