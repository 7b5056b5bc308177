import type * as amqp from 'amqplib';
import type { PooledConnection } from './pool';
import { toDelivery, type Delivery } from './message';
import { DeliveryReader } from './delivery-reader';
import { TopicTrie } from '../mqtt/topic-trie';
import { filterToBindingKey } from '../mqtt/topic';
import type { FastPathSubscriber } from '../ports/broker';
import { rpcWithin, settledWithin } from './rpc-deadline';
import { letChannelGo } from './let-go';

export type { FastPathSubscriber } from '../ports/broker';

/**
 * The QoS 0 fast path: clean-session QoS 0 subscriptions of one pooled
 * connection share one exclusive, auto-deleted queue instead of a queue each.
 * Bindings are reference-counted by binding key, and a pod-local trie fans each
 * message out. The first bind of a key is made on the subscribing client's own
 * channel, so RabbitMQ still checks that user's permissions.
 */
export class FastPath {
  private readonly trie = new TopicTrie<FastPathSubscriber>();
  private readonly refs = new Map<string, number>();
  private channel: Promise<amqp.Channel> | undefined;
  private queueName: string | undefined;

  constructor(
    private readonly connection: PooledConnection,
    private readonly exchange: string,
    private readonly namePrefix: string,
    /** Longest wait for a reply on the fast path's channel (its queue's declare and consume, an unbind). */
    private readonly rpcTimeoutMs: number,
  ) {}

  /** The queue to bind to; declared and consumed on first use. */
  async queue(): Promise<string> {
    await this.ready();
    return this.queueName as string;
  }

  private ready(): Promise<amqp.Channel> {
    if (!this.channel) {
      this.channel = this.open();
      this.channel.catch(() => (this.channel = undefined));
    }
    return this.channel;
  }

  private async open(): Promise<amqp.Channel> {
    const ch = await this.connection.openChannel(false);
    // Every QoS 0 message of the connection's clients comes through here: decoded without amqplib's generic codec.
    DeliveryReader.take(ch);
    ch.on('error', () => {
      // Closure is seen through 'close'.
    });
    const opening = this.channel;
    ch.once('close', () => {
      // A channel whose open failed closes after the next one opened: it must not make this forget that one,
      // which nothing would close, and whose consumer would go on feeding the trie beside its successor's.
      if (this.channel !== opening) return;
      this.channel = undefined;
      this.queueName = undefined;
      this.refs.clear();
    });
    const work = (async () => {
      const { queue } = await ch.assertQueue(`${this.namePrefix}${process.hrtime.bigint().toString(36)}`, {
        exclusive: true,
        autoDelete: true,
        durable: false,
      });
      await ch.consume(queue, (msg) => msg && this.dispatch(toDelivery(msg)), { noAck: true });
      return queue;
    })();
    try {
      // A connection RabbitMQ stopped reading answers neither: the SUBSCRIBE would wait for the heartbeat.
      this.queueName = await rpcWithin(
        work,
        this.rpcTimeoutMs,
        'the declare of the QoS 0 queue',
        () => undefined,
      );
      return ch;
    } catch (err) {
      // A refusal closes the channel on RabbitMQ's side, but a wait given up (a deadline) leaves it open. Its
      // close is not awaited: a stalled node confirms it no sooner. A queue RabbitMQ declares late is
      // exclusive to the connection and goes with it.
      void letChannelGo(ch, () => undefined);
      throw err;
    }
  }

  private dispatch(d: Delivery): void {
    for (const s of this.trie.match(d.topic)) s.deliverFast(d, '');
  }

  /**
   * Adds a subscriber; `bindAsUser` performs the first bind for a key on the
   * client's own channel and may throw a 403, which leaves no trace here.
   */
  async add(
    filter: string,
    s: FastPathSubscriber,
    bindAsUser: (queue: string, key: string) => Promise<void>,
  ): Promise<void> {
    const key = filterToBindingKey(filter);
    const queue = await this.queue();
    const n = this.refs.get(key) ?? 0;
    if (n === 0) await bindAsUser(queue, key);
    this.refs.set(key, (this.refs.get(key) ?? 0) + 1);
    this.trie.add(filter, s);
  }

  async remove(filter: string, s: FastPathSubscriber): Promise<void> {
    this.trie.remove(filter, s);
    const key = filterToBindingKey(filter);
    const n = (this.refs.get(key) ?? 0) - 1;
    if (n > 0) {
      this.refs.set(key, n);
      return;
    }
    this.refs.delete(key);
    const ch = await this.channel?.catch(() => undefined);
    // The channel carries the other subscribers' messages: kept, and the unbind left to finish if late.
    if (ch && this.queueName)
      await settledWithin(
        ch.unbindQueue(this.queueName, this.exchange, key).catch(() => undefined),
        this.rpcTimeoutMs,
      );
  }

  get subscriptions(): number {
    return this.trie.size;
  }
}
