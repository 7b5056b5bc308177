import { INCOMPLETE, invalid, type ParseResult, type ProxyHeader } from './types';
import { formatIpv6 } from './ipv6';

export const V2_SIGNATURE = Buffer.from([
  0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
]);

const FIXED = 16;

/**
 * Largest address block (addresses and TLVs) taken. The format allows 64 KiB;
 * what proxies send (addresses, ALPN, SNI, a unique id, TLS details) fits well
 * within this, and an unauthenticated peer must not make the adapter buffer more.
 */
export const V2_MAX_BLOCK = 2048;

const AF_UNSPEC = 0x0;
const AF_INET = 0x1;
const AF_INET6 = 0x2;
const AF_UNIX = 0x3;
const STREAM = 0x1;

const UNKNOWN: ProxyHeader = { kind: 'unknown' };

/** Parses a v2 (binary) header; `data` starts with the 12-byte signature. */
export function parseV2(data: Buffer): ParseResult {
  if (data.length < FIXED) return INCOMPLETE;
  const versionCommand = data[12];
  if (versionCommand >> 4 !== 2) return invalid(`v2: version ${versionCommand >> 4}, not 2`);
  const command = versionCommand & 0x0f;
  if (command > 1) return invalid(`v2: command ${command}, neither LOCAL nor PROXY`);
  const familyProtocol = data[13];
  const family = familyProtocol >> 4;
  const protocol = familyProtocol & 0x0f;
  if (family > AF_UNIX) return invalid(`v2: address family ${family}`);
  if (protocol > 2) return invalid(`v2: transport protocol ${protocol}`);
  const block = data.readUInt16BE(14);
  if (block > V2_MAX_BLOCK) return invalid(`v2: address block of ${block} bytes, over ${V2_MAX_BLOCK}`);
  const length = FIXED + block;
  if (data.length < length) return INCOMPLETE;
  // LOCAL (a proxy's own health check) keeps the real endpoints, whatever the family says.
  if (command === 0 || family === AF_UNSPEC || family === AF_UNIX || protocol !== STREAM)
    return { status: 'complete', header: UNKNOWN, length };
  const size = family === AF_INET ? 4 : 16;
  if (block < 2 * size + 4) return invalid(`v2: address block of ${block} bytes, too short for its family`);
  const address = (at: number): string =>
    family === AF_INET6 ? formatIpv6(data.subarray(at, at + 16)) : [...data.subarray(at, at + 4)].join('.');
  const ports = FIXED + 2 * size;
  return {
    status: 'complete',
    header: {
      kind: 'proxied',
      source: { address: address(FIXED), port: data.readUInt16BE(ports) },
      destination: { address: address(FIXED + size), port: data.readUInt16BE(ports + 2) },
    },
    length,
  };
}
