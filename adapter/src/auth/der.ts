/**
 * The few DER rules a certificate's subject needs: tag, definite length and
 * nesting. Pure; a malformed or truncated element throws DerError, so a caller
 * can refuse the certificate instead of guessing.
 */

export class DerError extends Error {
  override readonly name = 'DerError';
}

/** One element: its tag byte and where its contents lie in the buffer. */
export interface Element {
  readonly tag: number;
  readonly start: number;
  readonly end: number;
}

export const TAG = {
  OID: 0x06,
  SEQUENCE: 0x30,
  SET: 0x31,
  CONTEXT_0: 0xa0,
} as const;

/** The element that begins at `offset` and must end by `limit`. */
export function element(der: Uint8Array, offset: number, limit = der.length): Element {
  if (offset + 2 > limit) throw new DerError(`truncated element at ${offset}`);
  const tag = der[offset];
  // High tag numbers never occur in a certificate's name; refusing them keeps the reader small.
  if ((tag & 0x1f) === 0x1f) throw new DerError(`multi-byte tag at ${offset}`);
  let length = der[offset + 1];
  let start = offset + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    // 0x80 is BER's indefinite length, which DER forbids; more than 4 bytes cannot fit a certificate.
    if (bytes === 0 || bytes > 4 || start + bytes > limit) throw new DerError(`bad length at ${offset}`);
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + der[start + i];
    start += bytes;
  }
  const end = start + length;
  if (end > limit) throw new DerError(`element at ${offset} overruns its parent`);
  return { tag, start, end };
}

/** The elements a constructed element holds, in order. */
export function children(der: Uint8Array, parent: Element): Element[] {
  const out: Element[] = [];
  for (let at = parent.start; at < parent.end;) {
    const child = element(der, at, parent.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

/** Asserts an element's tag, naming what was expected. */
export function expectTag(e: Element | undefined, tag: number, what: string): Element {
  if (!e || e.tag !== tag) throw new DerError(`expected ${what}`);
  return e;
}

/** An OBJECT IDENTIFIER's dotted form (arcs of any size, as UUID OIDs under 2.25 need). */
export function oidText(der: Uint8Array, e: Element): string {
  if (e.start === e.end) throw new DerError('empty object identifier');
  const arcs: bigint[] = [];
  let value = 0n;
  for (let i = e.start; i < e.end; i++) {
    value = (value << 7n) | BigInt(der[i] & 0x7f);
    if ((der[i] & 0x80) === 0) {
      arcs.push(value);
      value = 0n;
    } else if (i === e.end - 1) throw new DerError('object identifier ends inside an arc');
  }
  // The first subidentifier packs two arcs: 40 * first + second, with first at most 2.
  const head = arcs[0];
  const first = head < 40n ? 0n : head < 80n ? 1n : 2n;
  return [first, head - first * 40n, ...arcs.slice(1)].join('.');
}
