import { isIPv4, isIPv6 } from 'node:net';
import { INCOMPLETE, invalid, type ParseResult } from './types';

export const V1_PREFIX = Buffer.from('PROXY ', 'latin1');

/** The longest v1 line, CRLF included: `PROXY UNKNOWN` with two full IPv6 addresses and ports. */
export const V1_MAX_LENGTH = 107;

/** Decimal without heading zeroes, which the spec forbids lest they read as octal. */
const DECIMAL = /^(0|[1-9][0-9]*)$/;

const port = (s: string): number | undefined => {
  if (!DECIMAL.test(s) || s.length > 5) return undefined;
  const n = Number(s);
  return n <= 65535 ? n : undefined;
};

const ipv4 = (s: string): boolean => isIPv4(s) && s.split('.').every((part) => DECIMAL.test(part));

/** Parses a v1 (text) header; `data` starts with `PROXY `. */
export function parseV1(data: Buffer): ParseResult {
  const window = data.subarray(0, V1_MAX_LENGTH);
  const lf = window.indexOf(0x0a);
  if (lf < 0)
    return data.length >= V1_MAX_LENGTH ? invalid(`v1: no CRLF in ${V1_MAX_LENGTH} bytes`) : INCOMPLETE;
  if (lf === 0 || window[lf - 1] !== 0x0d) return invalid('v1: line ends in LF without CR');
  const line = window.subarray(0, lf - 1).toString('latin1');
  if (line.includes('\r')) return invalid('v1: CR inside the line');
  const length = lf + 1;
  const fields = line.split(' ');
  const family = fields[1];
  // The receiver must ignore whatever follows UNKNOWN, up to the CRLF.
  if (family === 'UNKNOWN') return { status: 'complete', header: { kind: 'unknown' }, length };
  if (family !== 'TCP4' && family !== 'TCP6')
    return invalid(`v1: unknown protocol ${JSON.stringify(family)}`);
  if (fields.length !== 6) return invalid(`v1: ${fields.length - 2} fields after ${family}, not 4`);
  const [, , src, dst, srcPort, dstPort] = fields as [string, string, string, string, string, string];
  const valid = family === 'TCP4' ? ipv4 : isIPv6;
  if (!valid(src) || !valid(dst)) return invalid(`v1: addresses not ${family === 'TCP4' ? 'IPv4' : 'IPv6'}`);
  const sp = port(srcPort);
  const dp = port(dstPort);
  if (sp === undefined || dp === undefined) return invalid('v1: port not a decimal in 0..65535');
  return {
    status: 'complete',
    header: { kind: 'proxied', source: { address: src, port: sp }, destination: { address: dst, port: dp } },
    length,
  };
}
