/**
 * Splits a byte stream into whole MQTT packets before they are parsed, so an
 * oversized or malformed length is refused from its fixed header alone and
 * nothing is buffered past the current maximum packet size.
 */

export type FrameResult =
  | { kind: 'need-more' }
  | { kind: 'frame'; length: number }
  | { kind: 'malformed'; why: string }
  | { kind: 'too-large'; size: number };

export type FrameProblem =
  | Extract<FrameResult, { kind: 'malformed' }>
  | (Extract<FrameResult, { kind: 'too-large' }> & { head: Buffer });

/** The most bytes of a refused packet kept to say what it was (enough for a CONNECT's protocol level). */
const HEAD_BYTES = 16;
/** A fixed header is at most 5 bytes: the type byte and 4 of Remaining Length [MQTT-2.2.3]. */
const MAX_FIXED_HEADER = 5;

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

/** What `packetSize` says when the fixed header is not all there yet, or can never be read. */
const NEED_MORE = -1;
const MALFORMED = -2;

/**
 * The whole size of the packet at `offset` (fixed header included), or
 * NEED_MORE / MALFORMED; a number rather than an object, as it runs once per
 * packet on the hot path.
 */
function packetSize(buf: Buffer, offset: number): number {
  const end = Math.min(buf.length, offset + MAX_FIXED_HEADER);
  let value = 0;
  let multiplier = 1;
  for (let i = offset + 1; i < end; i++) {
    const byte = buf[i];
    value += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return value + i + 1 - offset;
    multiplier *= 128;
  }
  return end - offset === MAX_FIXED_HEADER ? MALFORMED : NEED_MORE;
}

const malformed = { kind: 'malformed', why: 'remaining length longer than 4 bytes' } as const;

/** Inspects the start of `buf` for one packet (fixed header + remaining length). */
export function nextFrame(buf: Buffer, offset: number, maxPacketSize: number): FrameResult {
  const size = packetSize(buf, offset);
  if (size === NEED_MORE) return { kind: 'need-more' };
  if (size === MALFORMED) return { ...malformed };
  if (size > maxPacketSize) return { kind: 'too-large', size };
  if (size > buf.length - offset) return { kind: 'need-more' };
  return { kind: 'frame', length: size };
}

/**
 * What a framer holds between packets: one empty array for all of them, since
 * an idle connection spends its life there. Frozen, so it is never pushed to.
 */
const NO_CHUNKS: Buffer[] = Object.freeze([]) as unknown as Buffer[];

/**
 * Accumulates socket chunks and yields whole packets, in time linear in the
 * bytes received: chunks are kept as they came, a packet inside one chunk is a
 * view of it, and a packet spanning chunks is copied once, when it is whole.
 * The limit may change between packets (it grows once the client is connected).
 */
export class Framer {
  private chunks: Buffer[] = NO_CHUNKS;
  /** The first chunk with unread bytes (an index, since shifting an array is not O(1)). */
  private first = 0;
  /** Where the unread bytes start in that chunk. */
  private offset = 0;
  private pending = 0;
  private copied = 0;

  constructor(private limit: number) {}

  /** Buffered bytes of an incomplete packet. */
  get buffered(): number {
    return this.pending;
  }

  /** Bytes copied so far, to hold the framer to its linear bound. */
  get bytesCopied(): number {
    return this.copied;
  }

  /** The largest packet accepted from the next one on. */
  set maxPacketSize(n: number) {
    this.limit = n;
  }

  append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.chunks.length === 0) this.chunks = [chunk];
    else this.chunks.push(chunk);
    this.pending += chunk.length;
  }

  /** The next whole packet, undefined until one is, or a problem that must close the connection. */
  next(): Buffer | FrameProblem | undefined {
    if (this.pending === 0) return undefined;
    const first = this.chunks[this.first];
    const size =
      first.length - this.offset >= MAX_FIXED_HEADER || this.chunks.length - this.first === 1
        ? packetSize(first, this.offset)
        : packetSize(this.peek(MAX_FIXED_HEADER), 0);
    if (size === NEED_MORE) return undefined;
    if (size === MALFORMED) return this.refuse({ ...malformed });
    if (size > this.limit)
      return this.refuse({ kind: 'too-large', size, head: Buffer.from(this.peek(HEAD_BYTES)) });
    if (size > this.pending) return undefined;
    return this.take(size);
  }

  /** Appends a chunk; returns whole packets, or a problem that must close the connection. */
  push(chunk: Buffer): { frames: Buffer[]; problem?: FrameProblem } {
    this.append(chunk);
    const frames: Buffer[] = [];
    for (;;) {
      const r = this.next();
      if (r === undefined) return { frames };
      if (!Buffer.isBuffer(r)) return { frames, problem: r };
      frames.push(r);
    }
  }

  /** Up to `n` unread bytes from the front, copied only when they span chunks. */
  private peek(n: number): Buffer {
    const first = this.chunks[this.first];
    if (first.length - this.offset >= n || this.chunks.length - this.first === 1)
      return first.subarray(this.offset, this.offset + n);
    const out = Buffer.allocUnsafe(Math.min(n, this.pending));
    let at = 0;
    let offset = this.offset;
    for (let i = this.first; at < out.length; i++) {
      const c = this.chunks[i];
      at += c.copy(out, at, offset, Math.min(c.length, offset + out.length - at));
      offset = 0;
    }
    this.copied += at;
    return out;
  }

  /** Removes `length` bytes from the front: a view when they lie in one chunk, else one copy. */
  private take(length: number): Buffer {
    this.pending -= length;
    const first = this.chunks[this.first];
    if (first.length - this.offset >= length) {
      const frame = first.subarray(this.offset, this.offset + length);
      this.offset += length;
      if (this.offset === first.length) this.dropFirst();
      return frame;
    }
    const frame = Buffer.allocUnsafe(length);
    let at = 0;
    while (at < length) {
      const c = this.chunks[this.first];
      const n = Math.min(c.length - this.offset, length - at);
      c.copy(frame, at, this.offset, this.offset + n);
      at += n;
      this.offset += n;
      if (this.offset === c.length) this.dropFirst();
    }
    this.copied += length;
    return frame;
  }

  private dropFirst(): void {
    this.offset = 0;
    if (++this.first === this.chunks.length) this.discard();
    // Read chunks are let go of in batches, so a long run of tiny chunks costs O(1) each.
    else if (this.first >= 1024 && this.first * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
  }

  private refuse(problem: FrameProblem): FrameProblem {
    this.discard();
    return problem;
  }

  private discard(): void {
    this.chunks = NO_CHUNKS;
    this.first = 0;
    this.offset = 0;
    this.pending = 0;
  }
}
