import type * as amqp from 'amqplib';
import { AmqpConsumer, AmqpPublisher, amqpConnect, routingKey } from '../client/amqp-peer';
import { PAYLOAD_SIZE } from '../wire/payload';
import type { ClientSpec, Target } from './protocol';
import type { Closable, Receiver, Sender } from './roles';

/** Prefetch of the QoS 1 ceiling's consumers: the adapter's default in-flight window. */
const PREFETCH = 64;

/** Shared AMQP connections of one worker: publishers share one, consumers another. */
export class AmqpConnections {
  private pub: Promise<amqp.ChannelModel> | undefined;
  private sub: Promise<amqp.ChannelModel> | undefined;

  constructor(private readonly target: Target) {}

  private url(): string {
    const t = this.target;
    return `amqp://${encodeURIComponent(t.username)}:${encodeURIComponent(t.password)}@${t.host}:${t.port}`;
  }

  publishers(): Promise<amqp.ChannelModel> {
    return (this.pub ??= amqpConnect(this.url()));
  }

  consumers(): Promise<amqp.ChannelModel> {
    return (this.sub ??= amqpConnect(this.url()));
  }

  async close(): Promise<void> {
    for (const c of [this.pub, this.sub]) await (await c)?.close().catch(() => undefined);
  }
}

/** A load-generator client speaking AMQP 0-9-1 directly: the ceiling's publisher or consumer. */
export class AmqpClient implements Sender, Receiver, Closable {
  onPayload: ((payload: Buffer) => void) | undefined;
  closed = false;

  private constructor(
    readonly index: number,
    private readonly publisher: AmqpPublisher | undefined,
    private consumer: AmqpConsumer | undefined,
  ) {}

  static async open(spec: ClientSpec, conns: AmqpConnections): Promise<AmqpClient> {
    if (spec.role === 'pub') {
      const p = await AmqpPublisher.open(await conns.publishers(), routingKey(spec.topic), spec.qos > 0);
      return new AmqpClient(spec.index, p, undefined);
    }
    const c = new AmqpClient(spec.index, undefined, undefined);
    c.consumer = await AmqpConsumer.open(
      await conns.consumers(),
      routingKey(spec.topic),
      spec.qos > 0,
      PREFETCH,
      (payload) => c.onPayload?.(payload),
    );
    return c;
  }

  send(stamp: (payload: Buffer, offset: number) => void): boolean {
    const b = Buffer.allocUnsafe(PAYLOAD_SIZE).fill(0);
    stamp(b, 0);
    return (this.publisher as AmqpPublisher).publish(b);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.publisher?.close();
    await this.consumer?.close();
  }
}
