import type * as amqp from 'amqplib';
import type { ConsumerChannels, ConsumerHost, SharedConsumerChannel } from './consumer-channels';
import { toDelivery, type Delivery } from './message';
import { RpcDeadlineExceeded, settledWithin } from './rpc-deadline';

/**
 * Starts and at once cancels a consumer of `queue` on a channel of the client's
 * own, so that a refusal (403 no read permission, 404 gone, 405 exclusive
 * elsewhere) closes that channel and never the shared one.
 */
export type ConsumeProbe = (queue: string) => Promise<void>;

type OnDelivery = (d: Delivery, queue: string) => void;

interface Consumer {
  /** RabbitMQ's consumer tag; empty while the consumer is starting. */
  tag: string;
  /** The tag asked for, if any; RabbitMQ makes one up otherwise. */
  readonly named: string | undefined;
  readonly prefetch: number;
  readonly onDelivery: OnDelivery;
}

/** How often a consume is tried again when its shared channel closed under it over another client's refusal. */
const CONSUME_ATTEMPTS = 5;

/**
 * One MQTT client's consumers (its own queue, shared groups' queues), all on
 * one channel shared with other clients of the pooled connection. Closing a
 * channel used to hand a leaving client's unacked deliveries back; on a shared
 * channel the client cancels its consumers and then rejects, with requeue,
 * every delivery it has not acked, including any that came during the cancel.
 *
 * The probe before each consume cannot catch everything (a queue with
 * messages is not probed, and another connection may delete or lock a queue
 * between probe and consume), so RabbitMQ may still close the shared channel
 * over one client's consume. The other clients' consumers then move to
 * another channel: what they held unacked comes back to them redelivered,
 * which `onMoved` announces first so the client can recognise it.
 */
export class ClientConsumers implements ConsumerHost {
  private readonly consumers = new Map<string, Consumer>();
  private shared: SharedConsumerChannel | undefined;
  private joining: Promise<SharedConsumerChannel> | undefined;
  /**
   * Deliveries handed to this client and not yet acked, by the tag the client
   * was given, which never repeats: the channel's own tags start again at 1 on
   * a new channel, and an ack for a delivery of the old one must not ack one of the new.
   */
  private readonly unacked = new Map<number, number>();
  private lastTag = 0;
  private pending: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** close() is past its wait for the consumers still starting: one that ends later gives back on its own. */
  private released = false;
  private lost = false;
  /** Told when this client's consumers are gone for good with the shared channel. */
  onLost: ((err: Error | undefined) => void) | undefined;
  /** Told when the consumers move to a new channel, before anything comes on it. */
  onMoved: (() => void) | undefined;
  /** Told when RabbitMQ cancels one of this client's consumers. */
  onCancelled: ((queue: string) => void) | undefined;

  constructor(
    private readonly channels: ConsumerChannels,
    private readonly probe: ConsumeProbe,
    /** Longest wait for RabbitMQ to answer a consume or a cancel, or a consume still starting at the close. */
    private readonly rpcTimeoutMs: number,
  ) {}

  /**
   * Starts consuming `queue` with at most `prefetch` unacked deliveries.
   * `checked`: the caller has just made sure the client may consume it (see
   * ClientLink.openQueue), so the first attempt goes without the probe.
   * `tag`, unique on the connection, names the consumer.
   */
  consume(
    queue: string,
    prefetch: number,
    onDelivery: OnDelivery,
    checked = false,
    tag?: string,
  ): Promise<void> {
    if (this.consumers.has(queue)) return Promise.resolve();
    if (this.closed || this.lost) return Promise.reject(new Error('consumers closed'));
    const c: Consumer = { tag: '', named: tag, prefetch, onDelivery };
    this.consumers.set(queue, c);
    return this.track(queue, c, checked);
  }

  private track(queue: string, c: Consumer, checked = false): Promise<void> {
    const run = this.start(queue, c, checked)
      .catch((err: unknown) => {
        if (this.consumers.get(queue) === c) this.consumers.delete(queue);
        throw err;
      })
      .finally(() => this.afterClose());
    // close() waits for consumers still starting, so none outlives the client.
    this.pending = Promise.all([this.pending, run.catch(() => undefined)]);
    return run;
  }

  private async start(queue: string, c: Consumer, checked: boolean): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        // RabbitMQ answers a refused basic.consume by closing the channel, which on a shared
        // one would end the consumers of up to 99 other clients: the client's own channel asks first.
        if (!checked || attempt > 1) await this.probe(queue);
        const shared = await this.channel();
        c.tag = await shared.consume(
          queue,
          c.prefetch,
          (msg) => this.delivered(queue, c, msg),
          this.rpcTimeoutMs,
          c.named,
        );
        break;
      } catch (err) {
        // A refusal of this very probe or consume carries RabbitMQ's reply code; without one, the
        // channel closed under it over another operation, and the next attempt takes a new one. A
        // deadline passed is not tried again: the caller's wait is bounded by one.
        if (
          (err as { code?: unknown }).code !== undefined ||
          err instanceof RpcDeadlineExceeded ||
          attempt >= CONSUME_ATTEMPTS ||
          this.closed
        )
          throw err;
      }
    }
    if (this.consumers.get(queue) !== c) await this.shared?.channel.cancel(c.tag).catch(() => undefined);
  }

  /**
   * A start that outlived close()'s wait for it (RabbitMQ slow past the
   * deadline, then answering) may have joined a shared channel and had
   * deliveries since close() gave back: they go back, and the channel is left.
   */
  private afterClose(): void {
    if (this.released && this.shared) this.giveBack(this.shared);
  }

  private delivered(queue: string, c: Consumer, msg: amqp.ConsumeMessage | null): void {
    // amqplib hands over null when RabbitMQ cancelled the consumer (its queue was deleted, or its node went).
    if (!msg) {
      if (!this.closed && this.consumers.get(queue) === c) {
        this.consumers.delete(queue);
        this.onCancelled?.(queue);
      }
      return;
    }
    const tag = ++this.lastTag;
    this.unacked.set(tag, msg.fields.deliveryTag);
    if (!this.closed) c.onDelivery(toDelivery(msg, tag), queue);
  }

  private async channel(): Promise<SharedConsumerChannel> {
    if (this.shared && !this.shared.closed) return this.shared;
    this.joining ??= this.channels.join(this);
    try {
      this.shared = await this.joining;
      return this.shared;
    } finally {
      this.joining = undefined;
    }
  }

  /**
   * Stops consuming a queue; its unacked deliveries stay this client's until
   * acked or rejected at close. The wait for cancel-ok is bounded: the cancel
   * goes on, and what comes for the consumer until then is handled as what
   * comes during any cancel.
   */
  async cancel(queue: string): Promise<void> {
    const tag = this.consumers.get(queue)?.tag;
    this.consumers.delete(queue);
    if (tag && this.shared && !this.shared.closed)
      await settledWithin(
        this.shared.channel.cancel(tag).catch(() => undefined),
        this.rpcTimeoutMs,
      );
  }

  ack(tag: number): void {
    const deliveryTag = this.unacked.get(tag);
    // Once only: a second ack of a tag is a channel error that would end every consumer on the channel.
    if (deliveryTag === undefined || !this.shared || this.shared.closed) return;
    this.unacked.delete(tag);
    this.shared.channel.ack({ fields: { deliveryTag } } as amqp.Message);
  }

  get consuming(): boolean {
    return this.consumers.size > 0;
  }

  consumerChannelLost(err: Error | undefined): void {
    this.unacked.clear();
    this.shared = undefined;
    if (this.closed) return;
    const running = [...this.consumers].filter(([, c]) => c.tag !== '');
    // Without a reply code the connection went, and with it every channel: nothing to move to.
    if ((err as { code?: unknown } | undefined)?.code === undefined) return this.lose(err);
    this.onMoved?.();
    for (const [queue, c] of running) {
      c.tag = '';
      this.track(queue, c).catch((e: unknown) => this.lose(e instanceof Error ? e : err));
    }
  }

  /**
   * Consumers that could not move: the client is told, and its close cancels
   * any that did move and leaves the new channel, which must not keep a host that is gone.
   */
  private lose(err: Error | undefined): void {
    if (this.lost) return;
    this.lost = true;
    this.onLost?.(err);
  }

  /**
   * Cancels every consumer, then gives the unacked deliveries back to their
   * queues. A connection RabbitMQ stopped reading (a resource alarm) answers
   * no cancel: past the deadline the close returns and the rest goes on
   * behind it. The shared channel is kept, not closed: the other clients on it
   * lose nothing, and once RabbitMQ reads again the cancels complete, and this
   * client's deliveries, those that came until then included, go back.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // A consume that starts after this is cancelled as it starts (see start).
    await settledWithin(this.pending, this.rpcTimeoutMs);
    this.released = true;
    const shared = this.shared;
    const tags = [...this.consumers.values()].map((c) => c.tag).filter(Boolean);
    this.consumers.clear();
    if (!shared) {
      this.unacked.clear();
      return;
    }
    const cancelled = shared.closed
      ? Promise.resolve()
      : Promise.all(tags.map((t) => shared.channel.cancel(t).catch(() => undefined)));
    const done = cancelled.then(() => this.giveBack(shared));
    await settledWithin(done, this.rpcTimeoutMs);
  }

  private giveBack(shared: SharedConsumerChannel): void {
    if (!shared.closed)
      for (const deliveryTag of this.unacked.values())
        shared.channel.nack({ fields: { deliveryTag } } as amqp.Message, false, true);
    this.unacked.clear();
    this.channels.leave(this, shared);
  }
}
