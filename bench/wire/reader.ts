/**
 * A minimal reader of the packets a broker sends to the load generator. It
 * frames the byte stream and decodes only what the bench needs: CONNACK and
 * SUBACK codes, acknowledgement ids, and a PUBLISH's QoS, packet id and
 * payload, in MQTT 3.1.1 or (skipping properties) MQTT 5.
 */

export type Incoming =
  | { readonly type: 'connack'; readonly code: number }
  | { readonly type: 'suback'; readonly granted: number }
  | { readonly type: 'puback' | 'pubrec' | 'pubrel' | 'pubcomp'; readonly id: number }
  | { readonly type: 'publish'; readonly qos: number; readonly id: number; readonly payload: Buffer }
  | { readonly type: 'other'; readonly code: number };

export class PacketReader {
  private pending: Buffer | undefined;

  constructor(private readonly version: 4 | 5 = 4) {}

  /** Feeds a chunk and calls `on` for every whole packet in it. */
  push(chunk: Buffer, on: (p: Incoming) => void): void {
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    let off = 0;
    for (;;) {
      if (buf.length - off < 2) break;
      let len = 0;
      let mul = 1;
      let i = off + 1;
      let complete = false;
      while (i < buf.length && i < off + 5) {
        const b = buf[i++];
        len += (b & 0x7f) * mul;
        mul *= 128;
        if ((b & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete || i + len > buf.length) break;
      on(decode(buf[off], buf, i, len, this.version));
      off = i + len;
    }
    this.pending = off === buf.length ? undefined : Buffer.from(buf.subarray(off));
  }
}

/** The offset just past an MQTT 5 property block starting at `at` (its length is a variable byte integer). */
function skipProperties(buf: Buffer, at: number): number {
  let len = 0;
  let mul = 1;
  let i = at;
  for (;;) {
    const b = buf[i++];
    len += (b & 0x7f) * mul;
    mul *= 128;
    if ((b & 0x80) === 0) return i + len;
  }
}

const ACKS = { 4: 'puback', 5: 'pubrec', 6: 'pubrel', 7: 'pubcomp' } as const;

function decode(first: number, buf: Buffer, body: number, len: number, version: 4 | 5): Incoming {
  const type = first >> 4;
  switch (type) {
    case 2:
      return { type: 'connack', code: buf[body + 1] };
    case 3: {
      const qos = (first >> 1) & 3;
      const topicLen = buf.readUInt16BE(body);
      let p = body + 2 + topicLen;
      let id = 0;
      if (qos > 0) {
        id = buf.readUInt16BE(p);
        p += 2;
      }
      if (version === 5) p = skipProperties(buf, p);
      return { type: 'publish', qos, id, payload: buf.subarray(p, body + len) };
    }
    case 4:
    case 5:
    case 6:
    case 7:
      return { type: ACKS[type], id: buf.readUInt16BE(body) };
    case 9:
      return { type: 'suback', granted: buf[version === 5 ? skipProperties(buf, body + 2) : body + 2] };
    default:
      return { type: 'other', code: type };
  }
}
