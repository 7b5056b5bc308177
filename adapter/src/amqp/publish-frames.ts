import { FRAME_BODY, FRAME_END, FRAME_HEADER, FRAME_METHOD } from './frame-types';
/**
 * The frames of one AMQP 0-9-1 basic.publish (method, content header, body
 * frames; spec section 4.2.6) in one buffer, from parts encoded once: the
 * exchange name and the message properties, which repeat for every plain MQTT
 * publish. amqplib builds the same bytes through a generic field codec, an
 * options object and three buffers per message; `publish-frames.test.ts`
 * holds this encoder to amqplib's output byte for byte.
 */

/** Type, channel and size before a frame's payload, and the end octet after it. */
const FRAME_OVERHEAD = 8;
const BASIC_CLASS = 60;
const BASIC_PUBLISH = 40;
/** Longest shortstr (exchange, routing key). */
export const MAX_SHORTSTR = 255;

/** What every publish of one kind to one exchange shares. */
export interface PublishTemplate {
  /** The exchange name as a shortstr's bytes. */
  readonly exchange: Buffer;
  /** The content header's property flags and property list, as amqplib encodes them. */
  readonly properties: Buffer;
}

/**
 * Encodes one publish, or returns undefined when the routing key is longer
 * than a shortstr takes (the caller lets amqplib refuse it as before).
 * `frameMax` is the negotiated largest frame: a larger body is split.
 */
export function publishFrames(
  channel: number,
  t: PublishTemplate,
  routingKey: string,
  mandatory: boolean,
  body: Buffer,
  frameMax: number,
): Buffer | undefined {
  const keyLength = Buffer.byteLength(routingKey, 'utf8');
  if (keyLength > MAX_SHORTSTR) return undefined;
  const methodPayload = 9 + t.exchange.length + keyLength;
  const headerPayload = 12 + t.properties.length;
  const maxBody = frameMax - FRAME_OVERHEAD;
  if (!(maxBody > 0)) throw new Error(`frameMax ${frameMax} leaves no room for a body frame`);
  const bodyFrames = Math.ceil(body.length / maxBody);
  const out = Buffer.allocUnsafe(
    methodPayload + headerPayload + 2 * FRAME_OVERHEAD + body.length + bodyFrames * FRAME_OVERHEAD,
  );
  let o = frameStart(out, 0, FRAME_METHOD, channel, methodPayload);
  o = out.writeUInt16BE(BASIC_CLASS, o);
  o = out.writeUInt16BE(BASIC_PUBLISH, o);
  o = out.writeUInt16BE(0, o); // ticket
  out[o++] = t.exchange.length;
  o += t.exchange.copy(out, o);
  out[o++] = keyLength;
  o += out.write(routingKey, o, keyLength, 'utf8');
  out[o++] = mandatory ? 1 : 0; // immediate is never set: RabbitMQ refuses it
  out[o++] = FRAME_END;
  o = frameStart(out, o, FRAME_HEADER, channel, headerPayload);
  o = out.writeUInt16BE(BASIC_CLASS, o);
  o = out.writeUInt16BE(0, o); // weight
  o = out.writeUInt32BE(Math.floor(body.length / 0x1_0000_0000), o);
  o = out.writeUInt32BE(body.length >>> 0, o);
  o += t.properties.copy(out, o);
  out[o++] = FRAME_END;
  for (let from = 0; from < body.length; from += maxBody) {
    const to = Math.min(body.length, from + maxBody);
    o = frameStart(out, o, FRAME_BODY, channel, to - from);
    o += body.copy(out, o, from, to);
    out[o++] = FRAME_END;
  }
  return out;
}

function frameStart(out: Buffer, o: number, type: number, channel: number, size: number): number {
  out[o] = type;
  out.writeUInt16BE(channel, o + 1);
  return out.writeUInt32BE(size, o + 3);
}

/** A template from the exchange and the property bytes of amqplib's own header frame. */
export function publishTemplate(exchange: string, headerFrame: Buffer): PublishTemplate {
  const bytes = Buffer.from(exchange, 'utf8');
  if (bytes.length > MAX_SHORTSTR) throw new Error(`exchange name longer than ${MAX_SHORTSTR} bytes`);
  // Frame header (7), class and weight (4), body size (8) before the properties; the end octet after.
  if (headerFrame[0] !== FRAME_HEADER || headerFrame[headerFrame.length - 1] !== FRAME_END)
    throw new Error('not an AMQP content header frame');
  return { exchange: bytes, properties: Buffer.from(headerFrame.subarray(19, headerFrame.length - 1)) };
}
