import type * as amqp from 'amqplib';
import { amqplibModule } from './amqplib-internals';
import {
  bodySize,
  decodeDeliver,
  decodeProperties,
  type DeliverFields,
  type DeliveryProperties,
  type TableDecoder,
} from './delivery-frames';
import { FRAME_BODY, FRAME_END, FRAME_HEADER, FRAME_METHOD } from './frame-types';

/** The parts of an amqplib 2.x connection the reader takes over or consults. */
export interface AmqplibConnection {
  stream: { read(): Buffer | null };
  /** Bytes read and not yet parsed into frames. */
  rest: Buffer;
  maxFrameSize: number;
  recvSinceLastCheck: boolean;
  channels: ({ channel: AmqplibChannel } | null)[];
  /** The frame handler: the open connection's, or one of closing. */
  accept: unknown;
  /** Parses the next frame for `accept`; false when the bytes run out. */
  recvFrame(): unknown;
}

/** The parts of an amqplib 2.x channel the reader uses; `accept` as an own property means closing or closed. */
export interface AmqplibChannel {
  /** The consumers' callbacks by consumer tag, which amqplib's 'delivery' handler looks up. */
  readonly consumers: Map<string, (msg: unknown) => unknown>;
  emit(event: string, ...args: unknown[]): boolean;
  listenerCount(event: string): number;
  closeWithError(id: number | undefined, reason: string, code: number, error: Error): void;
}

interface Internals {
  readonly decodeFrame: (f: { type: number; channel: number; size: number; payload: Buffer }) => unknown;
  readonly decodeTable: TableDecoder;
  readonly safeEmit: (emitter: unknown, event: string, ...args: unknown[]) => void;
  readonly basicProperties: number;
  readonly internalError: number;
  readonly unexpectedFrame: number;
}

/** amqplib's own frame decoder, table codec, event guard and constants; undefined when they are not 2.x's. */
export function amqplibInternals(): Internals | undefined {
  const frame = amqplibModule('frame');
  const codec = amqplibModule('codec');
  const defs = amqplibModule('defs') as
    { constants?: Record<string, unknown>; BasicProperties?: unknown } | undefined;
  const safeEmit = amqplibModule('safe_emit') as unknown;
  const c = defs?.constants;
  if (
    typeof frame?.decodeFrame !== 'function' ||
    typeof codec?.decodeFields !== 'function' ||
    typeof safeEmit !== 'function' ||
    defs?.BasicProperties !== 0x3c ||
    typeof c?.INTERNAL_ERROR !== 'number' ||
    typeof c.UNEXPECTED_FRAME !== 'number'
  )
    return undefined;
  return {
    decodeFrame: frame.decodeFrame as Internals['decodeFrame'],
    decodeTable: codec.decodeFields as TableDecoder,
    safeEmit: safeEmit as Internals['safeEmit'],
    basicProperties: defs.BasicProperties,
    internalError: c.INTERNAL_ERROR,
    unexpectedFrame: c.UNEXPECTED_FRAME,
  };
}

/** Class 60 (basic), method 60 (deliver), as the method frame's first four octets. */
const BASIC_DELIVER = (60 << 16) | 60;
const BASIC_RETURN = (60 << 16) | 50;

/** A delivery whose header or body frames are still to come. */
interface Pending {
  readonly ch: AmqplibChannel;
  readonly fields: DeliverFields;
  properties: DeliveryProperties | undefined;
  remaining: number;
  parts: Buffer[] | undefined;
}

/**
 * Takes over amqplib's frame parsing on one connection: deliveries on the
 * channels `take` names are decoded here and handed to the consumer amqplib
 * registered (so its consumer table, and the channel error a throwing
 * consumer causes, stay amqplib's); every other frame is decoded by
 * amqplib and goes to its frame handler as before. A delivery is a method
 * frame, a content header and body frames, not interleaved with other frames
 * of its channel; one on a channel that is closing, or whose connection is,
 * goes to amqplib, which drops it as before.
 */
export class DeliveryReader {
  private buf: Buffer;
  private pos = 0;
  private readonly pending: (Pending | undefined)[] = [];
  /** Each channel's last basic.deliver, whose consumer tag and exchange the next mostly repeats. */
  private readonly last: (DeliverFields | undefined)[] = [];
  private readonly ours = new WeakSet<AmqplibChannel>();
  private readonly openAccept: unknown;

  private constructor(
    private readonly c: AmqplibConnection,
    private readonly i: Internals,
  ) {
    this.buf = c.rest;
    c.rest = Buffer.alloc(0);
    this.openAccept = c.accept;
    c.recvFrame = () => this.next();
  }

  private static readonly readers = new WeakMap<object, DeliveryReader>();

  /**
   * Takes over the frame parsing of `model`'s connection, for the channels
   * `take` names later. False, changing nothing, when the connection is not
   * shaped like amqplib 2.x's: amqplib then goes on decoding every delivery.
   */
  static install(model: amqp.ChannelModel): boolean {
    const c = (model as unknown as { connection?: Partial<AmqplibConnection> }).connection;
    if (!c) return false;
    if (DeliveryReader.readers.has(c)) return true;
    const i = amqplibInternals();
    if (!i || !isConnection(c)) return false;
    DeliveryReader.readers.set(c, new DeliveryReader(c, i));
    return true;
  }

  /**
   * Decodes the deliveries of `ch` from now on; false, when its connection
   * has no reader or the channel is not shaped like amqplib 2.x's, and
   * amqplib goes on decoding them.
   */
  static take(ch: amqp.Channel): boolean {
    const chan = ch as unknown as Partial<AmqplibChannel> & { connection?: object };
    const reader = chan.connection && DeliveryReader.readers.get(chan.connection);
    if (
      !reader ||
      !(chan.consumers instanceof Map) ||
      typeof chan.emit !== 'function' ||
      typeof chan.listenerCount !== 'function' ||
      typeof chan.closeWithError !== 'function'
    )
      return false;
    reader.ours.add(chan as AmqplibChannel);
    return true;
  }

  /** The next frame for amqplib, as its `recvFrame` returns it, after handling any deliveries of ours before it. */
  private next(): unknown {
    const c = this.c;
    for (;;) {
      const buf = this.buf;
      const pos = this.pos;
      const available = buf.length - pos;
      if (available >= 7) {
        const size = buf.readUInt32BE(pos + 3);
        if (c.maxFrameSize > 0 && size > c.maxFrameSize)
          throw new Error(`Frame size ${size} exceeds maxFrameSize ${c.maxFrameSize}`);
        if (available >= size + 8) {
          const type = buf[pos];
          const channel = buf.readUInt16BE(pos + 1);
          const start = pos + 7;
          const end = start + size;
          if (buf[end] !== FRAME_END) throw new Error('Invalid frame');
          this.pos = end + 1;
          if (channel !== 0 && this.took(type, channel, buf, start, end)) continue;
          return this.i.decodeFrame({ type, channel, size, payload: buf.subarray(start, end) });
        }
      }
      const incoming = c.stream.read();
      if (incoming === null) return false;
      c.recvSinceLastCheck = true;
      this.buf = available > 0 ? Buffer.concat([buf.subarray(pos), incoming]) : incoming;
      this.pos = 0;
    }
  }

  /**
   * Whether the frame was part of a delivery of ours, and handled. Like
   * amqplib's, only deliveries, returns and content frames go through the
   * delivery's states: any other method (an ack, a reply, channel.close)
   * goes to amqplib even between a delivery's frames.
   */
  private took(type: number, channel: number, buf: Buffer, start: number, end: number): boolean {
    const id = type === FRAME_METHOD ? buf.readUInt32BE(start) : 0;
    if (type === FRAME_METHOD && id !== BASIC_DELIVER && id !== BASIC_RETURN) return false;
    const p = this.pending[channel];
    if (p === undefined) {
      if (id !== BASIC_DELIVER) return false;
      const ch = this.c.channels[channel]?.channel;
      if (!ch || !this.ours.has(ch) || !this.open(ch)) return false;
      this.pending[channel] = {
        ch,
        fields: (this.last[channel] = decodeDeliver(buf, start + 4, end, this.last[channel])),
        properties: undefined,
        remaining: 0,
        parts: undefined,
      };
      return true;
    }
    if (this.c.channels[channel]?.channel !== p.ch || !this.open(p.ch)) {
      // Closing mid-delivery: amqplib drops what is left, as it would have.
      this.pending[channel] = undefined;
      return false;
    }
    if (type === FRAME_HEADER && p.properties === undefined) {
      p.properties = decodeProperties(buf, start + 12, end, this.i.decodeTable);
      p.remaining = bodySize(buf, start + 4);
      if (p.remaining === 0) this.deliver(channel, p, Buffer.alloc(0), this.i.basicProperties);
      return true;
    }
    if (type === FRAME_BODY && p.properties !== undefined) {
      const part = buf.subarray(start, end);
      p.remaining -= part.length;
      if (p.remaining > 0) (p.parts ??= []).push(part);
      else if (p.remaining < 0) this.fail(channel, p, 'Too much content sent!');
      else this.deliver(channel, p, p.parts ? Buffer.concat([...p.parts, part]) : part, undefined);
      return true;
    }
    if (type !== FRAME_METHOD && type !== FRAME_HEADER && type !== FRAME_BODY) return false;
    this.fail(
      channel,
      p,
      p.properties === undefined
        ? 'Expected headers frame after delivery'
        : 'Expected content frame after headers',
    );
    return true;
  }

  /**
   * Calls the consumer as amqplib's 'delivery' handler would, without the
   * event and the handler's lookups in between: the adapter listens to no
   * other 'delivery'. A delivery for no consumer goes through the event, for
   * amqplib to refuse as ever.
   */
  private deliver(channel: number, p: Pending, content: Buffer, frameId: number | undefined): void {
    this.pending[channel] = undefined;
    const message = { fields: p.fields, properties: p.properties, content };
    const consumer = p.ch.consumers.get(p.fields.consumerTag);
    try {
      if (consumer) consumer(message);
      else this.i.safeEmit(p.ch, 'delivery', message);
    } catch (err) {
      // As amqplib's safeEmit: a channel listening for handler errors gets the consumer's.
      if (consumer && p.ch.listenerCount('handler-error') > 0) {
        setImmediate(() => p.ch.emit('handler-error', err, 'delivery'));
        return;
      }
      // Otherwise, as amqplib: a consumer that throws, or a delivery for no consumer, closes the channel.
      const e = err instanceof Error ? err : new Error(String(err));
      p.ch.closeWithError(frameId, 'Error while processing message', this.i.internalError, e);
    }
  }

  /** A frame out of place in a delivery: amqplib closes the channel, as RabbitMQ would. */
  private fail(channel: number, p: Pending, reason: string): void {
    this.pending[channel] = undefined;
    p.ch.closeWithError(undefined, reason, this.i.unexpectedFrame, new Error(reason));
  }

  /** amqplib replaces an instance's frame handler when the channel or connection starts closing. */
  private open(ch: AmqplibChannel): boolean {
    return !Object.prototype.hasOwnProperty.call(ch, 'accept') && this.c.accept === this.openAccept;
  }
}

function isConnection(c: Partial<AmqplibConnection>): c is AmqplibConnection {
  return (
    typeof c.stream?.read === 'function' &&
    Buffer.isBuffer(c.rest) &&
    typeof c.maxFrameSize === 'number' &&
    Array.isArray(c.channels) &&
    typeof c.accept === 'function' &&
    typeof c.recvFrame === 'function'
  );
}
