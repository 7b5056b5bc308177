import { isUtf8 } from 'node:buffer';

const CONNECT = 1;
const PUBLISH = 3;
const SUBSCRIBE = 8;
const UNSUBSCRIBE = 10;

/**
 * Whether a whole packet holds ill-formed UTF-8 in a string field the adapter
 * routes or logs by: the CONNECT client id, will topic and username, a PUBLISH
 * topic, SUBSCRIBE and UNSUBSCRIBE filters. mqtt-packet decodes strings
 * without checking them (ill-formed bytes become U+FFFD), but a server must
 * close the connection on them [MQTT-1.5.3-1], so the raw frame is checked
 * before it is parsed. A field cut short is left for the parser to report.
 */
export function illFormedUtf8(frame: Buffer, protocolVersion: number): boolean {
  const r = new FieldReader(frame);
  switch (frame[0] >> 4) {
    case PUBLISH:
      return r.string() === 'bad';
    case SUBSCRIBE:
    case UNSUBSCRIBE:
      // MQTT 5 puts properties before the filters; those packets are not checked here.
      if (protocolVersion === 5) return false;
      r.skip(2);
      while (!r.done) {
        const s = r.string();
        if (s !== 'ok') return s === 'bad';
        if (frame[0] >> 4 === SUBSCRIBE) r.skip(1);
      }
      return false;
    case CONNECT:
      return connectIllFormed(r);
    default:
      return false;
  }
}

function connectIllFormed(r: FieldReader): boolean {
  r.string(); // protocol name, which the parser checks against MQTT/MQIsdp
  const level = r.byte();
  const flags = r.byte();
  if (level === undefined || flags === undefined || level === 5) return false;
  r.skip(2); // keepalive
  if (r.string() === 'bad') return true;
  if (flags & 0x04) {
    if (r.string() === 'bad') return true;
    r.binary(); // will payload
  }
  return (flags & 0x80) !== 0 && r.string() === 'bad';
}

/** Walks the variable header and payload of one frame. */
class FieldReader {
  private pos = 1;

  constructor(private readonly frame: Buffer) {
    while (this.pos < frame.length && (frame[this.pos] & 0x80) !== 0) this.pos++;
    this.pos++; // past the remaining length
  }

  get done(): boolean {
    return this.pos >= this.frame.length;
  }

  skip(n: number): void {
    this.pos += n;
  }

  byte(): number | undefined {
    return this.pos < this.frame.length ? this.frame[this.pos++] : undefined;
  }

  /** A length-prefixed field's bytes, or undefined when the frame ends first. */
  binary(): Buffer | undefined {
    if (this.pos + 2 > this.frame.length) return undefined;
    const end = this.pos + 2 + this.frame.readUInt16BE(this.pos);
    if (end > this.frame.length) return undefined;
    const bytes = this.frame.subarray(this.pos + 2, end);
    this.pos = end;
    return bytes;
  }

  string(): 'ok' | 'bad' | 'short' {
    const bytes = this.binary();
    if (!bytes) return 'short';
    return isUtf8(bytes) ? 'ok' : 'bad';
  }
}
