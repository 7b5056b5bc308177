import type * as amqp from 'amqplib';
import type { ConsumerChannels, ConsumerHost, SharedConsumerChannel } from './consumer-channels';
import { toDelivery, type Delivery } from './message';

/**
 * Starts and at once cancels a consumer of `queue` on a channel of the client's
 * own, so that a refusal (403 no read permission, 404 gone, 405 exclusive
 * elsewhere) closes that channel and never the shared one.
 */
export type ConsumeProbe = (queue: string) => Promise<void>;

/**
 * One MQTT client's consumers (its own queue, shared groups' queues), all on
 * one channel shared with other clients of the pooled connection. Closing a
 * channel used to hand a leaving client's unacked deliveries back; on a shared
 * channel the client cancels its consumers and then rejects, with requeue,
 * every delivery it has not acked, including any that came during the cancel.
 */
export class ClientConsumers implements ConsumerHost {
  private readonly tags = new Map<string, string>();
  private shared: SharedConsumerChannel | undefined;
  private joining: Promise<SharedConsumerChannel> | undefined;
  /** Delivery tags handed to this client and not yet acked: rejected at close. */
  private readonly unacked = new Set<number>();
  private pending: Promise<unknown> = Promise.resolve();
  private closed = false;
  private lost = false;
  /** Told when RabbitMQ closes the shared channel under this client. */
  onLost: ((err: Error | undefined) => void) | undefined;
  /** Told when RabbitMQ cancels one of this client's consumers. */
  onCancelled: ((queue: string) => void) | undefined;

  constructor(
    private readonly channels: ConsumerChannels,
    private readonly probe: ConsumeProbe,
  ) {}

  /** Starts consuming `queue` with at most `prefetch` unacked deliveries. */
  consume(queue: string, prefetch: number, onDelivery: (d: Delivery, queue: string) => void): Promise<void> {
    if (this.tags.has(queue)) return Promise.resolve();
    if (this.closed || this.lost) return Promise.reject(new Error('consumers closed'));
    this.tags.set(queue, '');
    const run = this.start(queue, prefetch, onDelivery).catch((err: unknown) => {
      this.tags.delete(queue);
      throw err;
    });
    // close() waits for consumers still starting, so none outlives the client.
    this.pending = Promise.all([this.pending, run.catch(() => undefined)]);
    return run;
  }

  private async start(
    queue: string,
    prefetch: number,
    onDelivery: (d: Delivery, queue: string) => void,
  ): Promise<void> {
    // RabbitMQ answers a refused basic.consume by closing the channel, which on a shared
    // one would end the consumers of up to 99 other clients: the client's own channel asks first.
    await this.probe(queue);
    const shared = await this.channel();
    const tag = await shared.consume(queue, prefetch, (msg) => {
      // amqplib hands over null when RabbitMQ cancelled the consumer (its queue was deleted, or its node went).
      if (!msg) {
        if (!this.closed && this.tags.delete(queue)) this.onCancelled?.(queue);
        return;
      }
      this.unacked.add(msg.fields.deliveryTag);
      if (!this.closed) onDelivery(toDelivery(msg), queue);
    });
    if (this.tags.has(queue)) this.tags.set(queue, tag);
    else await shared.channel.cancel(tag).catch(() => undefined);
  }

  private async channel(): Promise<SharedConsumerChannel> {
    if (this.shared) return this.shared;
    this.joining ??= this.channels.join(this);
    try {
      this.shared = await this.joining;
      return this.shared;
    } finally {
      this.joining = undefined;
    }
  }

  /** Stops consuming a queue; its unacked deliveries stay this client's until acked or rejected at close. */
  async cancel(queue: string): Promise<void> {
    const tag = this.tags.get(queue);
    this.tags.delete(queue);
    if (tag && this.shared && !this.lost) await this.shared.channel.cancel(tag).catch(() => undefined);
  }

  ack(deliveryTag: number): void {
    // Once only: a second ack of a tag is a channel error that would end every consumer on the channel.
    if (!this.unacked.delete(deliveryTag) || this.lost || !this.shared) return;
    this.shared.channel.ack({ fields: { deliveryTag } } as amqp.Message);
  }

  get consuming(): boolean {
    return this.tags.size > 0;
  }

  consumerChannelLost(err: Error | undefined): void {
    this.lost = true;
    this.unacked.clear();
    this.tags.clear();
    this.onLost?.(err);
  }

  /** Cancels every consumer, then gives the unacked deliveries back to their queues. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pending;
    const shared = this.shared;
    if (!shared || this.lost) return;
    const tags = [...this.tags.values()].filter(Boolean);
    this.tags.clear();
    await Promise.all(tags.map((t) => shared.channel.cancel(t).catch(() => undefined)));
    if (!this.lost) {
      for (const deliveryTag of this.unacked)
        shared.channel.nack({ fields: { deliveryTag } } as amqp.Message, false, true);
    }
    this.unacked.clear();
    this.channels.leave(this, shared);
  }
}
