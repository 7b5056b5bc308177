import { EventEmitter } from 'node:events';
import type * as amqp from 'amqplib';
import { ConsumerChannels } from '../../adapter/src/amqp/consumer-channels';

/** What the shared consumer channels use of an amqplib channel, with RabbitMQ's side played by the test. */
export class FakeChannel extends EventEmitter {
  readonly consumers = new Map<string, (m: amqp.ConsumeMessage | null) => void>();
  readonly acked: number[] = [];
  private tags = 0;
  private deliveryTag = 0;
  /** Set to refuse the next consume as RabbitMQ does: the reply fails, then the channel closes. */
  refuse: number | undefined;

  /** The basic.qos counts asked for, in order. */
  readonly prefetches: number[] = [];

  prefetch(count: number): Promise<void> {
    this.prefetches.push(count);
    return Promise.resolve();
  }

  consume(queue: string, cb: (m: amqp.ConsumeMessage | null) => void): Promise<{ consumerTag: string }> {
    if (this.refuse !== undefined) {
      const err = Object.assign(new Error(`Operation failed: BasicConsume; ${this.refuse}`), {
        code: this.refuse,
      });
      this.serverClose(err);
      return Promise.reject(err);
    }
    const consumerTag = `${queue}-${++this.tags}`;
    this.consumers.set(consumerTag, cb);
    return Promise.resolve({ consumerTag });
  }

  /** Set to hold every cancel-ok until answerCancels, as a node that reads nothing more does. */
  stallCancels = false;
  private readonly heldCancels: (() => void)[] = [];

  cancel(tag: string): Promise<void> {
    if (!this.stallCancels) {
      this.consumers.delete(tag);
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.heldCancels.push(() => {
        this.consumers.delete(tag);
        resolve();
      }),
    );
  }

  answerCancels(): void {
    for (const answer of this.heldCancels.splice(0)) answer();
  }

  ack(m: amqp.Message): void {
    this.acked.push(m.fields.deliveryTag);
  }

  /** Delivery tags given back (basic.nack with requeue), in order. */
  readonly nacked: number[] = [];

  nack(m: amqp.Message): void {
    this.nacked.push(m.fields.deliveryTag);
  }

  /** Closes asked for by the adapter. */
  closes = 0;

  close(): Promise<void> {
    this.closes++;
    setImmediate(() => this.emit('close'));
    return Promise.resolve();
  }

  deliver(payload: string): void {
    const tag = ++this.deliveryTag;
    for (const cb of this.consumers.values())
      cb({
        content: Buffer.from(payload),
        fields: { deliveryTag: tag, redelivered: false, routingKey: 't', exchange: 'x', consumerTag: '' },
        properties: { headers: {} },
      } as unknown as amqp.ConsumeMessage);
  }

  /** RabbitMQ closes the channel: with a reply code over an error on it, without one when the connection went. */
  serverClose(err?: Error): void {
    if (err) this.emit('error', err);
    this.emit('close');
  }
}

/** Shared consumer channels of `perChannel` hosts each over fake channels, with every channel opened. */
export function fakeConsumerChannels(perChannel: number): {
  channels: ConsumerChannels;
  opened: FakeChannel[];
} {
  const opened: FakeChannel[] = [];
  const channels = new ConsumerChannels(() => {
    const ch = new FakeChannel();
    opened.push(ch);
    return Promise.resolve(ch as unknown as amqp.Channel);
  }, perChannel);
  return { channels, opened };
}

/** A channel whose close RabbitMQ confirms only when the test says so, as a stalled node does. */
export class LateClosingChannel extends EventEmitter {
  closeAsked = false;

  close(): Promise<void> {
    this.closeAsked = true;
    return Promise.resolve();
  }

  confirmClose(): void {
    this.emit('close');
  }
}
