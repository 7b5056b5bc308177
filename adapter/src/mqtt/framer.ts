/**
 * Splits a byte stream into whole MQTT packets before they are parsed, so an
 * oversized or malformed length is refused from its fixed header alone and
 * nothing is buffered past the configured maximum packet size.
 */

export type FrameResult =
  | { kind: 'need-more' }
  | { kind: 'frame'; length: number }
  | { kind: 'malformed'; why: string }
  | { kind: 'too-large'; size: number };

/** Inspects the start of `buf` for one packet (fixed header + remaining length). */
export function nextFrame(buf: Buffer, offset: number, maxPacketSize: number): FrameResult {
  const available = buf.length - offset;
  if (available < 2) return { kind: 'need-more' };
  let remaining = 0;
  let multiplier = 1;
  let i = 1;
  for (;;) {
    if (i > 4) return { kind: 'malformed', why: 'remaining length longer than 4 bytes' };
    if (i >= available) return { kind: 'need-more' };
    const byte = buf[offset + i];
    remaining += (byte & 0x7f) * multiplier;
    multiplier *= 128;
    i++;
    if ((byte & 0x80) === 0) break;
  }
  const size = i + remaining;
  if (size > maxPacketSize) return { kind: 'too-large', size };
  if (size > available) return { kind: 'need-more' };
  return { kind: 'frame', length: size };
}

/** Accumulates socket chunks and yields whole packets. */
export class Framer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly maxPacketSize: number) {}

  /** Buffered bytes of an incomplete packet. */
  get buffered(): number {
    return this.pending.length;
  }

  /** Appends a chunk; returns whole packets, or a problem that must close the connection. */
  push(chunk: Buffer): {
    frames: Buffer[];
    problem?: Exclude<FrameResult, { kind: 'frame' } | { kind: 'need-more' }>;
  } {
    const buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Buffer[] = [];
    let offset = 0;
    for (;;) {
      const r = nextFrame(buf, offset, this.maxPacketSize);
      if (r.kind === 'need-more') break;
      if (r.kind !== 'frame') {
        this.pending = Buffer.alloc(0);
        return { frames, problem: r };
      }
      frames.push(buf.subarray(offset, offset + r.length));
      offset += r.length;
    }
    this.pending = offset === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(offset));
    return { frames };
  }
}
