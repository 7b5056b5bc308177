/**
 * MQTT packets as fields, so a mutation can reach a length inside them (a
 * topic length, a property length, a string's length) as well as the bytes:
 * every length is computed at encoding unless a field carries an override.
 */

/** A length-prefixed string or binary; `len` overrides its two-byte length. */
export interface Str {
  kind: 'str';
  b: Buffer;
  len?: number;
}
export interface Bytes {
  kind: 'bytes';
  b: Buffer;
}
/** A variable byte integer; `pad` extra continuation bytes make it overlong. */
export interface VarInt {
  kind: 'varint';
  n: number;
  pad?: number;
}
export interface Props {
  kind: 'props';
  props: Prop[];
  len?: number;
  pad?: number;
}
export type Field = Str | Bytes | VarInt | Props;

/** One v5 property: its identifier and the fields of its value. */
export interface Prop {
  id: number;
  value: Field[];
}

export interface WirePacket {
  type: number;
  flags: number;
  body: Field[];
  /** Overrides the Remaining Length. */
  remaining?: number;
  /** Extra continuation bytes in the Remaining Length. */
  pad?: number;
}

export const str = (s: string | Buffer): Str => ({ kind: 'str', b: Buffer.isBuffer(s) ? s : Buffer.from(s) });
export const bytes = (...xs: number[]): Bytes => ({ kind: 'bytes', b: Buffer.from(xs) });
export const raw = (b: Buffer): Bytes => ({ kind: 'bytes', b });
export const u16 = (n: number): Bytes => bytes((n >> 8) & 0xff, n & 0xff);
export const u32 = (n: number): Bytes => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return raw(b);
};

/** A variable byte integer, with `pad` redundant continuation bytes (which MQTT forbids past four in all). */
export function varint(n: number, pad = 0): Buffer {
  const out: number[] = [];
  let x = Math.max(0, Math.floor(n));
  do {
    let d = x % 128;
    x = Math.floor(x / 128);
    if (x > 0 || pad > 0) d |= 0x80;
    out.push(d);
  } while (x > 0);
  for (let i = 0; i < pad; i++) out.push(i === pad - 1 ? 0x00 : 0x80);
  return Buffer.from(out);
}

export function encodeField(f: Field): Buffer {
  switch (f.kind) {
    case 'bytes':
      return f.b;
    case 'str': {
      const len = f.len ?? f.b.length;
      return Buffer.concat([Buffer.from([(len >> 8) & 0xff, len & 0xff]), f.b]);
    }
    case 'varint':
      return varint(f.n, f.pad);
    case 'props': {
      const content = Buffer.concat(
        f.props.map((p) => Buffer.concat([varint(p.id), ...p.value.map(encodeField)])),
      );
      return Buffer.concat([varint(f.len ?? content.length, f.pad), content]);
    }
  }
}

export function encode(p: WirePacket): Buffer {
  const body = Buffer.concat(p.body.map(encodeField));
  return Buffer.concat([
    Buffer.from([((p.type & 0x0f) << 4) | (p.flags & 0x0f)]),
    varint(p.remaining ?? body.length, p.pad),
    body,
  ]);
}

/** Every field of a packet, nested ones (property values) included, for mutations to pick from. */
export function allFields(p: WirePacket): Field[] {
  const out: Field[] = [];
  const walk = (fs: Field[]): void => {
    for (const f of fs) {
      out.push(f);
      if (f.kind === 'props') for (const pr of f.props) walk(pr.value);
    }
  };
  walk(p.body);
  return out;
}
