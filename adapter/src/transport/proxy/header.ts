import { parseV1, V1_PREFIX } from './v1';
import { parseV2, V2_SIGNATURE } from './v2';
import { INCOMPLETE, type ParseResult } from './types';

/** Whether `data` is, as far as it goes, a prefix of `magic` (or starts with all of it). */
const startsLike = (data: Buffer, magic: Buffer): boolean =>
  data.subarray(0, magic.length).equals(magic.subarray(0, Math.min(data.length, magic.length)));

/**
 * Parses a PROXY protocol header (haproxy's proxy-protocol.txt, v1 or v2) at
 * the start of the bytes received so far. v1 and v2 are told apart, and from
 * MQTT, TLS and HTTP, by their first byte, so a connection without a header
 * is known as soon as anything arrives.
 */
export function parseProxyHeader(data: Buffer): ParseResult {
  if (data.length === 0) return INCOMPLETE;
  if (startsLike(data, V1_PREFIX)) return data.length < V1_PREFIX.length ? INCOMPLETE : parseV1(data);
  if (startsLike(data, V2_SIGNATURE)) return data.length < V2_SIGNATURE.length ? INCOMPLETE : parseV2(data);
  return { status: 'absent' };
}
