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

/**
 * The Remaining Length field of the packet at `offset`: its value and the size
 * of the fixed header it ends, or why it cannot be read (yet).
 */
export function remainingLength(
  buf: Buffer,
  offset: number,
): { value: number; headerSize: number } | 'need-more' | 'malformed' {
  const available = buf.length - offset;
  let value = 0;
  let multiplier = 1;
  let i = 1;
  for (;;) {
    if (i > 4) return 'malformed';
    if (i >= available) return 'need-more';
    const byte = buf[offset + i];
    value += (byte & 0x7f) * multiplier;
    multiplier *= 128;
    i++;
    if ((byte & 0x80) === 0) return { value, headerSize: i };
  }
}

/** Inspects the start of `buf` for one packet (fixed header + remaining length). */
export function nextFrame(buf: Buffer, offset: number, maxPacketSize: number): FrameResult {
  const r = remainingLength(buf, offset);
  if (r === 'need-more') return { kind: 'need-more' };
  if (r === 'malformed') return { kind: 'malformed', why: 'remaining length longer than 4 bytes' };
  const size = r.headerSize + r.value;
  if (size > maxPacketSize) return { kind: 'too-large', size };
  if (size > buf.length - offset) return { kind: 'need-more' };
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
