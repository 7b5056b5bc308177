/**
 * Decoders for the frames of an AMQP 0-9-1 delivery (basic.deliver, then a
 * content header; spec section 4.2.6), reading straight from the buffer the
 * frames arrived in. amqplib decodes every property into a fresh object of
 * fourteen fields through generic code; these read only what `toDelivery`
 * and the adapter use and skip the rest. `delivery-frames.test.ts` holds them
 * to amqplib's own decode of amqplib-encoded frames.
 */

/** The fields of basic.deliver, as amqplib names them. */
export interface DeliverFields {
  readonly consumerTag: string;
  readonly deliveryTag: number;
  readonly redelivered: boolean;
  readonly exchange: string;
  readonly routingKey: string;
}

/** The message properties the adapter reads; undefined when the message carries none. */
export interface DeliveryProperties {
  contentType?: string | undefined;
  headers?: Record<string, unknown> | undefined;
  deliveryMode?: number | undefined;
  correlationId?: string | undefined;
  replyTo?: string | undefined;
}

/** Decodes an AMQP field table (the `headers` property) from `buf`. */
export type TableDecoder = (buf: Buffer) => Record<string, unknown>;

const TWO_32 = 0x1_0000_0000;

/**
 * basic.deliver's arguments, from `o` (after the class and method ids) to
 * `end`. The consumer tag and exchange of a channel's deliveries mostly
 * repeat: given the channel's last ones, equal bytes take their strings
 * instead of decoding new ones.
 */
export function decodeDeliver(buf: Buffer, o: number, end: number, last?: DeliverFields): DeliverFields {
  let n = buf[o++];
  const consumerTag = sameAscii(buf, o, n, last?.consumerTag) ?? buf.toString('utf8', o, o + n);
  o += n;
  // Read as two halves: a tag above 2^53 rounds exactly as amqplib's Number(BigInt) does.
  const deliveryTag = buf.readUInt32BE(o) * TWO_32 + buf.readUInt32BE(o + 4);
  o += 8;
  const redelivered = (buf[o++] & 1) === 1;
  n = buf[o++];
  const exchange = sameAscii(buf, o, n, last?.exchange) ?? buf.toString('utf8', o, o + n);
  o += n;
  n = buf[o++];
  if (o + n > end) throw new RangeError('basic.deliver runs past its frame');
  const routingKey = buf.toString('utf8', o, o + n);
  return { consumerTag, deliveryTag, redelivered, exchange, routingKey };
}

/** `s` when the `n` bytes at `o` are its characters, all ASCII (so also its UTF-8). */
function sameAscii(buf: Buffer, o: number, n: number, s: string | undefined): string | undefined {
  if (s === undefined || s.length !== n) return undefined;
  for (let i = 0; i < n; i++) if (buf[o + i] !== s.charCodeAt(i) || buf[o + i] > 0x7f) return undefined;
  return s;
}

// Property flags, most significant bit first, in the order the properties follow them.
const CONTENT_TYPE = 0x8000;
const CONTENT_ENCODING = 0x4000;
const HEADERS = 0x2000;
const DELIVERY_MODE = 0x1000;
const PRIORITY = 0x0800;
const CORRELATION_ID = 0x0400;
const REPLY_TO = 0x0200;

/**
 * The properties of a content header, from `o` (the property flags, after
 * class, weight and body size) to `end`. Stops after reply-to: nothing the
 * adapter reads comes later.
 */
export function decodeProperties(
  buf: Buffer,
  o: number,
  end: number,
  decodeTable: TableDecoder,
): DeliveryProperties {
  const flags = buf.readUInt16BE(o);
  o += 2;
  const p: DeliveryProperties = {
    contentType: undefined,
    headers: undefined,
    deliveryMode: undefined,
    correlationId: undefined,
    replyTo: undefined,
  };
  if (flags === 0) return p;
  let n: number;
  if (flags & CONTENT_TYPE) {
    n = buf[o++];
    p.contentType = buf.toString('utf8', o, (o += n));
  }
  if (flags & CONTENT_ENCODING) o += 1 + buf[o];
  if (flags & HEADERS) {
    n = buf.readUInt32BE(o);
    o += 4;
    if (o + n > end) throw new RangeError('headers run past the content header');
    p.headers = decodeTable(buf.subarray(o, (o += n)));
  }
  if (flags & DELIVERY_MODE) p.deliveryMode = buf[o++];
  if (flags & PRIORITY) o++;
  if (flags & CORRELATION_ID) {
    n = buf[o++];
    p.correlationId = buf.toString('utf8', o, (o += n));
  }
  if (flags & REPLY_TO) {
    n = buf[o++];
    p.replyTo = buf.toString('utf8', o, (o += n));
  }
  if (o > end) throw new RangeError('properties run past the content header');
  return p;
}

/** The body size a content header announces (after class and weight), exact up to 2^53. */
export function bodySize(buf: Buffer, o: number): number {
  return buf.readUInt32BE(o) * TWO_32 + buf.readUInt32BE(o + 4);
}
