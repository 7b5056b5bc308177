/**
 * A minimal reader of the packets a broker sends to the load generator. It
 * frames the byte stream and decodes only what the bench needs: CONNACK and
 * SUBACK codes, PUBACK ids, and a PUBLISH's QoS, packet id and payload.
 */

export type Incoming =
  | { readonly type: 'connack'; readonly code: number }
  | { readonly type: 'suback'; readonly granted: number }
  | { readonly type: 'puback'; readonly id: number }
  | { readonly type: 'publish'; readonly qos: number; readonly id: number; readonly payload: Buffer }
  | { readonly type: 'other'; readonly code: number };

export class PacketReader {
  private pending: Buffer | undefined;

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
      on(decode(buf[off], buf, i, len));
      off = i + len;
    }
    this.pending = off === buf.length ? undefined : Buffer.from(buf.subarray(off));
  }
}

function decode(first: number, buf: Buffer, body: number, len: number): Incoming {
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
      return { type: 'publish', qos, id, payload: buf.subarray(p, body + len) };
    }
    case 4:
      return { type: 'puback', id: buf.readUInt16BE(body) };
    case 9:
      return { type: 'suback', granted: buf[body + 2] };
    default:
      return { type: 'other', code: type };
  }
}
