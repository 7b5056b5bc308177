import { PROPERTY_TYPES, propertyValue } from './packets';
import type { Rng } from './rng';
import { allFields, encode, type Props, type WirePacket } from './wire';

/**
 * Mutations of one packet: structural ones change a field before encoding
 * (a length inside the packet, a property, the flags or type), byte ones
 * change the encoded bytes. Each returns the bytes and the kind, which the
 * run counts.
 */

export type MutationKind =
  | 'bit-flip'
  | 'byte-insert'
  | 'byte-delete'
  | 'remaining-length'
  | 'inner-length'
  | 'varint-overlong'
  | 'duplicate-property'
  | 'unknown-property'
  | 'wrong-flags'
  | 'truncate'
  | 'splice'
  | 'packet-type'
  | 'random-bytes';

export interface Mutated {
  bytes: Buffer;
  kind: MutationKind;
}

const KINDS: readonly (readonly [number, MutationKind])[] = [
  [3, 'bit-flip'],
  [1, 'byte-insert'],
  [1, 'byte-delete'],
  [2, 'remaining-length'],
  [3, 'inner-length'],
  [1, 'varint-overlong'],
  [2, 'duplicate-property'],
  [2, 'unknown-property'],
  [2, 'wrong-flags'],
  [2, 'truncate'],
  [1, 'splice'],
  [2, 'packet-type'],
  [1, 'random-bytes'],
];

/** Identifiers MQTT 5 does not define (0 and past 0x2a included). */
const UNKNOWN_PROPERTIES = [
  0x00, 0x04, 0x05, 0x0a, 0x0c, 0x10, 0x14, 0x1b, 0x1d, 0x1e, 0x20, 0x2b, 0x40, 0x7f, 0x80,
];

function propsOf(p: WirePacket): Props[] {
  return allFields(p).filter((f): f is Props => f.kind === 'props');
}

/** A structural mutation, or undefined when the packet has nothing it applies to. */
function structural(rng: Rng, p: WirePacket, kind: MutationKind): WirePacket | undefined {
  switch (kind) {
    case 'remaining-length': {
      const len = encode(p).length;
      p.remaining = rng.weighted([
        [3, Math.max(0, len - 2 + rng.int(5) - 2)],
        [1, rng.int(268435456)],
        [1, 0],
      ] as const);
      return p;
    }
    case 'inner-length': {
      const fields = allFields(p).filter((f) => f.kind === 'str' || f.kind === 'props');
      if (fields.length === 0) return undefined;
      const f = rng.pick(fields);
      const real = f.kind === 'str' ? f.b.length : encode({ type: 0, flags: 0, body: [f] }).length;
      f.len = rng.chance(0.5)
        ? Math.max(0, real + rng.int(7) - 3)
        : rng.int(f.kind === 'str' ? 65536 : 268435456);
      return p;
    }
    case 'varint-overlong': {
      const targets = [...propsOf(p), ...allFields(p).filter((f) => f.kind === 'varint')];
      const pad = 1 + rng.int(4);
      if (targets.length === 0 || rng.chance(0.4)) p.pad = pad;
      else rng.pick(targets).pad = pad;
      return p;
    }
    case 'duplicate-property': {
      const withProps = propsOf(p).filter((f) => f.props.length > 0);
      if (withProps.length === 0) return undefined;
      const f = rng.pick(withProps);
      const dup = rng.pick(f.props);
      f.props.splice(rng.int(f.props.length + 1), 0, {
        id: dup.id,
        value: propertyValue(rng, dup.id, rng.chance(0.5)),
      });
      return p;
    }
    case 'unknown-property': {
      const all = propsOf(p);
      if (all.length === 0) return undefined;
      const f = rng.pick(all);
      // Either an identifier nobody defined, or a defined one where it does not belong, with any value.
      const id = rng.chance(0.5)
        ? rng.pick(UNKNOWN_PROPERTIES)
        : rng.pick(Object.keys(PROPERTY_TYPES).map(Number));
      f.props.splice(rng.int(f.props.length + 1), 0, { id, value: propertyValue(rng, id, false) });
      return p;
    }
    case 'wrong-flags':
      p.flags = (p.flags + 1 + rng.int(15)) & 0x0f;
      return p;
    case 'packet-type':
      p.type = rng.int(16);
      return p;
    default:
      return undefined;
  }
}

function bytewise(rng: Rng, b: Buffer, other: Buffer, kind: MutationKind): Buffer {
  const at = (n: number): number => rng.int(n);
  switch (kind) {
    case 'bit-flip': {
      const out = Buffer.from(b);
      for (let i = 0, n = 1 + rng.int(3); i < n; i++) out[at(out.length)] ^= 1 << rng.int(8);
      return out;
    }
    case 'byte-insert': {
      const i = at(b.length + 1);
      return Buffer.concat([b.subarray(0, i), rng.bytes(1 + rng.int(3)), b.subarray(i)]);
    }
    case 'byte-delete': {
      const i = at(b.length);
      return Buffer.concat([b.subarray(0, i), b.subarray(i + 1 + rng.int(2))]);
    }
    case 'truncate':
      return b.subarray(0, Math.max(1, at(b.length)));
    case 'splice':
      return Buffer.concat([b.subarray(0, 1 + at(b.length)), other.subarray(at(other.length))]);
    default:
      return rng.bytes(1 + rng.int(40));
  }
}

/** Mutates `p` (changed in place); `other` is a second packet's bytes, for splicing. */
export function mutate(rng: Rng, p: WirePacket, other: Buffer): Mutated {
  let kind = rng.weighted(KINDS);
  const changed = structural(rng, p, kind);
  if (changed) return { bytes: encode(changed), kind };
  // The structural kind did not apply (no property, no string): mutate the bytes instead.
  if (
    [
      'remaining-length',
      'inner-length',
      'varint-overlong',
      'duplicate-property',
      'unknown-property',
      'wrong-flags',
      'packet-type',
    ].includes(kind)
  )
    kind = 'bit-flip';
  return { bytes: bytewise(rng, encode(p), other, kind), kind };
}
