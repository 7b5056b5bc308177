import { isIPv4 } from 'node:net';
import type { Endpoint } from '../../adapter/src/transport/proxy/types';

/** Builds PROXY protocol headers as a proxy sends them, for tests. */

export const V2_SIGNATURE = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

export const v1Header = (source: Endpoint, destination: Endpoint): Buffer =>
  Buffer.from(
    `PROXY ${isIPv4(source.address) ? 'TCP4' : 'TCP6'} ${source.address} ${destination.address} ${source.port} ${destination.port}\r\n`,
    'latin1',
  );

/** The 16 bytes of an IPv6 address in any text form, or the 4 of an IPv4 one. */
export function addressBytes(address: string): Buffer {
  if (isIPv4(address)) return Buffer.from(address.split('.').map(Number));
  // WHATWG URL writes an IPv6 host in RFC 5952 form, a dotted IPv4 tail as hex groups.
  const [head = '', tail] = new URL(`http://[${address}]/`).hostname.slice(1, -1).split('::');
  const groups = (s: string): number[] => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

export interface V2Fields {
  readonly command?: number;
  readonly version?: number;
  /** Address family and transport protocol byte: 0x11 TCP over IPv4, 0x21 over IPv6. */
  readonly familyProtocol?: number;
  readonly source?: Endpoint;
  readonly destination?: Endpoint;
  /** Bytes after the addresses (TLVs), counted in the length. */
  readonly tlvs?: Buffer;
  /** The length field, when it should lie. */
  readonly length?: number;
}

export function v2Header(f: V2Fields = {}): Buffer {
  const addresses =
    f.source && f.destination
      ? Buffer.concat([
          addressBytes(f.source.address),
          addressBytes(f.destination.address),
          Buffer.from([
            f.source.port >> 8,
            f.source.port & 0xff,
            f.destination.port >> 8,
            f.destination.port & 0xff,
          ]),
        ])
      : Buffer.alloc(0);
  const block = Buffer.concat([addresses, f.tlvs ?? Buffer.alloc(0)]);
  const fixed = Buffer.alloc(4);
  fixed[0] = ((f.version ?? 2) << 4) | (f.command ?? 1);
  fixed[1] = f.familyProtocol ?? (f.source && !isIPv4(f.source.address) ? 0x21 : f.source ? 0x11 : 0x00);
  fixed.writeUInt16BE(f.length ?? block.length, 2);
  return Buffer.concat([V2_SIGNATURE, fixed, block]);
}

/** A TLV: type, 16-bit length, value. */
export const tlv = (type: number, value: Buffer): Buffer =>
  Buffer.concat([Buffer.from([type, value.length >> 8, value.length & 0xff]), value]);
