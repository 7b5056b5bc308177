import type { Duplex } from 'node:stream';
import type * as amqp from 'amqplib';
import { amqplibModule } from './amqplib-internals';
import { publishOptions, type QoS } from './message';
import { publishFrames, publishTemplate, type PublishTemplate } from './publish-frames';

/** The parts of amqplib 2.x this relies on; `DirectPublisher.of` checks each before use. */
interface AmqplibConnection {
  stream: Duplex;
  frameMax: number;
  sentSinceLastCheck: boolean;
  /** amqplib's frame multiplexer; a pass writes what its channel streams hold. */
  readonly muxer?: { _readIncoming?: () => void };
}

interface AmqplibChannel {
  readonly ch: number;
  readonly connection: AmqplibConnection;
  sendMessage(...args: unknown[]): unknown;
  pushConfirmCallback(cb: (err: unknown) => void): void;
}

interface AmqplibCodec {
  encodeMethod(method: number, channel: number, fields: unknown): Buffer;
  encodeProperties(cls: number, channel: number, size: number, fields: unknown): Buffer;
  BasicPublish: number;
  BasicProperties: number;
}

type PublishArgs = (exchange: string, routingKey: string, options: amqp.Options.Publish) => unknown;

const codec = (amqplibModule('defs') ?? {}) as Partial<AmqplibCodec>;
const args = (amqplibModule('api_args') as { publish?: PublishArgs } | undefined)?.publish;

/**
 * Writes basic.publish frames straight to a pooled connection's socket,
 * skipping amqplib's per-channel stream and multiplexer, its options object
 * and its generic codec per message; amqplib keeps everything else (opening
 * and closing channels, confirms, deliveries, heartbeats).
 *
 * Every publish of a channel goes this way once it does, so its frames keep
 * their order on the wire and line up with the confirm callbacks amqplib
 * tracks; nothing else is sent on a publish channel between its open and its
 * close. The socket stays corked until the end of the event-loop turn, so the
 * publishes of every client of the connection in one turn leave in one write.
 */
export class DirectPublisher {
  private corked = false;
  private draining: Promise<void> | undefined;
  private readonly templates = new Map<string, PublishTemplate>();
  private readonly flush = (): void => {
    this.corked = false;
    // What amqplib queued on other channels this turn (the acks of deliveries, say) joins the
    // publishes in this write rather than taking one of its own in the multiplexer's pass after it.
    this.conn.muxer?._readIncoming?.();
    this.conn.stream.uncork();
  };

  private constructor(private readonly conn: AmqplibConnection) {}

  /** The publisher of an amqplib connection, or undefined when amqplib's internals differ from 2.x. */
  static of(model: amqp.ChannelModel): DirectPublisher | undefined {
    const conn = (model as unknown as { connection?: Partial<AmqplibConnection> }).connection;
    const stream = conn?.stream;
    if (!conn || !stream || typeof stream.cork !== 'function' || typeof stream.write !== 'function') return;
    if (typeof conn.frameMax !== 'number' || typeof conn.sentSinceLastCheck !== 'boolean') return;
    if (!args || typeof codec.encodeProperties !== 'function' || typeof codec.encodeMethod !== 'function')
      return;
    if (codec.BasicPublish === undefined || codec.BasicProperties === undefined) return;
    return new DirectPublisher(conn as AmqplibConnection);
  }

  /** Whether a channel of this connection can be published on this way. */
  accepts(ch: amqp.Channel): boolean {
    const c = ch as unknown as Partial<AmqplibChannel>;
    return (
      c.connection === this.conn && typeof c.ch === 'number' && typeof c.pushConfirmCallback === 'function'
    );
  }

  /**
   * Publishes `content`; `plain` (a QoS with no extras) takes properties
   * encoded once, `options` anything else. Throws as amqplib does when the
   * channel is closing or closed. `confirmed`, on a confirm channel, is called
   * as amqplib calls a publish callback. Returns false when the socket's buffer is full.
   */
  publish(
    ch: amqp.Channel,
    exchange: string,
    routingKey: string,
    content: Buffer,
    what: { plain: QoS } | { options: amqp.Options.Publish },
    confirmed?: (err: unknown) => void,
  ): boolean {
    const c = ch as unknown as AmqplibChannel;
    // amqplib replaces a channel's sendMessage with a thrower once it closes: the same error, here.
    if (Object.hasOwn(c, 'sendMessage')) c.sendMessage();
    const stream = this.conn.stream;
    if (!stream.writable) throw new Error('AMQP connection closed');
    const frames =
      'plain' in what
        ? this.encode(c.ch, this.template(exchange, what.plain), routingKey, false, content)
        : this.encodeWith(c.ch, exchange, routingKey, content, what.options);
    this.conn.sentSinceLastCheck = true;
    if (!this.corked) {
      this.corked = true;
      stream.cork();
      setImmediate(this.flush);
    }
    const written = stream.write(frames);
    if (confirmed) c.pushConfirmCallback(confirmed);
    return written;
  }

  /** Resolves when the socket's buffer drains (or the socket closes); one wait for every caller. */
  drained(): Promise<void> {
    const stream = this.conn.stream;
    this.draining ??= new Promise<void>((resolve) => {
      const done = (): void => {
        stream.off('drain', done);
        stream.off('close', done);
        this.draining = undefined;
        resolve();
      };
      stream.on('drain', done);
      stream.on('close', done);
    });
    return this.draining;
  }

  private template(exchange: string, qos: QoS): PublishTemplate {
    const key = `${qos}\0${exchange}`;
    let t = this.templates.get(key);
    if (!t) {
      t = this.templateOf(exchange, publishOptions(qos));
      this.templates.set(key, t);
    }
    return t;
  }

  private templateOf(exchange: string, options: amqp.Options.Publish): PublishTemplate {
    const fields = (args as PublishArgs)(exchange, '', options);
    const header = (codec as AmqplibCodec).encodeProperties(codec.BasicProperties as number, 0, 0, fields);
    return publishTemplate(exchange, header);
  }

  private encodeWith(
    channel: number,
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: amqp.Options.Publish,
  ): Buffer {
    return this.encode(channel, this.templateOf(exchange, options), routingKey, !!options.mandatory, content);
  }

  private encode(
    channel: number,
    t: PublishTemplate,
    routingKey: string,
    mandatory: boolean,
    content: Buffer,
  ): Buffer {
    const frames = publishFrames(channel, t, routingKey, mandatory, content, this.conn.frameMax);
    if (frames) return frames;
    // A routing key too long for a shortstr: amqplib's codec throws its own TypeError for it.
    (codec as AmqplibCodec).encodeMethod(codec.BasicPublish as number, channel, { routingKey });
    throw new TypeError('routing key longer than 255 bytes');
  }
}
