import {
  BrokerError,
  type BrokerLink,
  type FastPathSubscriber,
  type LinkEvents,
  type LinkPublishExtras,
  type OnFull,
  type QueueSpec,
} from '../../../adapter/src/ports/broker';
import type { Credentials } from '../../../adapter/src/ports/credentials';
import type { Delivery, QoS } from '../../../adapter/src/ports/message';
import { topicToRoutingKey } from '../../../adapter/src/mqtt/topic';
import type { FakeBroker } from './broker';
import { toDelivery, type Consumer, type FakeQueue, type Stored } from './queue';

interface Unacked {
  readonly consumer: Consumer;
  readonly message: Stored;
}

const gone = (why: string): BrokerError => new BrokerError('gone', why);

/** One client's link to the fake broker, as ClientLink is to RabbitMQ. */
export class FakeLink implements BrokerLink {
  events: LinkEvents | undefined;
  readonly consumers = new Map<string, Consumer>();
  readonly unacked = new Map<number, Unacked>();
  private tag = 0;
  /** How each queue is consumed, to consume it again after a move. */
  private readonly handlers = new Map<
    string,
    { prefetch: number; onDelivery: (d: Delivery, queue: string) => void }
  >();
  private closed = false;
  lost = false;

  constructor(
    private readonly broker: FakeBroker,
    readonly credentials: Credentials,
  ) {}

  get user(): string {
    return this.credentials.user;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  publish(
    topic: string,
    payload: Buffer,
    qos: QoS,
    _onFull: OnFull,
    extras?: LinkPublishExtras,
  ): Promise<boolean> {
    if (this.lost || this.closed) return Promise.reject(gone('link closed'));
    const routingKey = topicToRoutingKey(topic);
    const message: Stored = { routingKey, payload, qos, extras, redelivered: false };
    if (qos === 0) {
      // Nothing comes back for an unconfirmed publish; a refusal is heard as a channel error.
      try {
        this.broker.route(this, message);
      } catch (err) {
        if (err instanceof BrokerError) this.events?.publishRefused(err);
      }
      return Promise.resolve(true);
    }
    return this.broker.confirms.reply('publish', () => {
      this.alive();
      const routed = this.broker.route(this, message);
      return !extras?.mandatory || routed;
    });
  }

  declareQueue(q: QueueSpec): Promise<void> {
    return this.op('declare', () => this.broker.declare(this, q.name, q.durable));
  }

  deleteQueue(queue: string): Promise<void> {
    return this.op('delete', () => this.broker.deleteQueue(queue));
  }

  deleteStaleQueue(queue: string): Promise<void> {
    return this.op('delete-stale', () => this.broker.deleteQueue(queue));
  }

  deleteUnusedQueue(queue: string): Promise<boolean> {
    return this.op('delete-unused', () => {
      const q = this.broker.queues.get(queue);
      if (!q || q.consumers.length > 0) return false;
      this.broker.deleteQueue(queue);
      return true;
    });
  }

  queueExists(queue: string): Promise<boolean> {
    return this.op('exists', () => this.broker.queues.has(queue)).catch(() => false);
  }

  /** One step, as ClientLink sends it in one round trip; a refusal of any part refuses the step. */
  openQueue(q: QueueSpec, bindingKeys: readonly string[], replace: boolean): Promise<void> {
    return this.op('open', () => {
      if (replace) this.broker.deleteQueue(q.name);
      this.broker.declare(this, q.name, q.durable);
      this.broker.check(this, 'read', q.name);
      this.broker.existing(q.name).messages.length = 0;
      for (const key of bindingKeys) this.broker.bind(this, q.name, key);
    });
  }

  /** The fake keeps no queues declared ahead: the session opens its own, as with MQTT_ADAPTER_READY_QUEUES=0. */
  openReadyQueue(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }

  bind(queue: string, bindingKey: string): Promise<void> {
    return this.op('bind', () => this.broker.bind(this, queue, bindingKey));
  }

  unbind(queue: string, bindingKey: string): Promise<void> {
    return this.op('unbind', () => {
      this.broker.queues.get(queue)?.bindings.delete(bindingKey);
    });
  }

  undoBind(queue: string, bindingKey: string): void {
    this.unbind(queue, bindingKey).catch(() => undefined);
  }

  consume(queue: string, prefetch: number, onDelivery: (d: Delivery, queue: string) => void): Promise<void> {
    if (this.consumers.has(queue)) return Promise.resolve();
    this.handlers.set(queue, { prefetch, onDelivery });
    return this.op('consume', () => {
      const q = this.broker.existing(queue);
      this.broker.check(this, 'read', queue);
      const c: Consumer = {
        queue: q,
        prefetch,
        unacked: 0,
        deliver: (m) => {
          const tag = ++this.tag;
          this.unacked.set(tag, { consumer: c, message: m });
          // A closing link takes what is still in flight and gives it back with the rest.
          if (!this.closed) onDelivery(toDelivery(m, tag), queue);
        },
      };
      this.consumers.set(queue, c);
      q.consumers.push(c);
      q.dispatchSoon();
    });
  }

  cancel(queue: string): Promise<void> {
    const c = this.consumers.get(queue);
    this.consumers.delete(queue);
    if (!c) return Promise.resolve();
    return this.op('cancel', () => detach(c));
  }

  ack(deliveryTag: number): void {
    const u = this.unacked.get(deliveryTag);
    if (!u || this.lost || this.closed) return;
    this.unacked.delete(deliveryTag);
    u.consumer.unacked--;
    u.consumer.queue.dispatchSoon();
  }

  addFast(filter: string, s: FastPathSubscriber): Promise<void> {
    return this.broker.fastPath(this).add(filter, s, (queue, key) => this.bind(queue, key));
  }

  removeFast(filter: string, s: FastPathSubscriber): Promise<void> {
    // As the adapter's fast path, the last binding of a key is removed on the path's own channel, not the client's.
    return this.broker.fastPath(this).remove(filter, s, (queue, key) =>
      this.broker.ops.reply('unbind', () => {
        this.broker.queues.get(queue)?.bindings.delete(key);
      }),
    );
  }

  /** The broker connection went: consumers end and unacked deliveries go back, as RabbitMQ does. */
  loseConnection(): void {
    if (this.lost) return;
    this.lost = true;
    this.dropConsumers();
    this.events?.linkLost();
  }

  /** The channel of this client's consumers closed under it. */
  loseConsumers(err: Error): void {
    this.dropConsumers();
    this.events?.consumerLost(err);
  }

  /**
   * The channel of this client's consumers closed over another client's
   * refused consume: they consume again on a new one, and what they held
   * unacked comes back redelivered, as ClientConsumers does with RabbitMQ;
   * an ack of a delivery of the old channel acks nothing.
   */
  async moveConsumers(meanwhile?: () => Promise<void>): Promise<void> {
    const queues = [...this.consumers.keys()];
    this.dropConsumers();
    this.events?.consumersMoved();
    // What the client does before the new consumers start (a PUBACK, say).
    await meanwhile?.();
    for (const queue of queues) {
      const h = this.handlers.get(queue);
      if (h) await this.consume(queue, h.prefetch, h.onDelivery);
    }
  }

  /** The broker cancelled the consumer of a deleted queue. */
  cancelled(queue: string): void {
    if (!this.consumers.delete(queue) || this.closed) return;
    this.events?.consumerCancelled(queue);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return this.broker.ops.reply('close', () => {
      this.dropConsumers();
      this.broker.forget(this);
    });
  }

  private dropConsumers(): void {
    for (const c of this.consumers.values()) detach(c);
    this.consumers.clear();
    const back = new Map<FakeQueue, Stored[]>();
    for (const { consumer, message } of this.unacked.values()) {
      const list = back.get(consumer.queue) ?? [];
      list.push(message);
      back.set(consumer.queue, list);
    }
    this.unacked.clear();
    for (const [q, ms] of back) if (this.broker.queues.get(q.name) === q) q.requeue(ms);
  }

  private alive(): void {
    if (this.lost) throw gone('connection lost');
  }

  private op<T>(name: string, effect: () => T): Promise<T> {
    if (this.lost || this.closed) return Promise.reject(gone(`${name} on a closed link`));
    return this.broker.ops.reply(name, () => {
      this.alive();
      return effect();
    });
  }
}

function detach(c: Consumer): void {
  const i = c.queue.consumers.indexOf(c);
  if (i >= 0) c.queue.consumers.splice(i, 1);
}
