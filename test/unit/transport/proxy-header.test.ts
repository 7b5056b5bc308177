import { strict as assert } from 'node:assert';
import { parseProxyHeader } from '../../../adapter/src/transport/proxy/header';
import type { ParseResult } from '../../../adapter/src/transport/proxy/types';
import { tlv, v1Header, v2Header } from '../../support/proxy-header';

const CONNECT = Buffer.from([0x10, 0x0c, 0x00, 0x04]);
const text = (s: string): Buffer => Buffer.from(s, 'latin1');
const src = { address: '203.0.113.7', port: 51234 };
const dst = { address: '10.0.0.5', port: 1883 };

function complete(r: ParseResult): Extract<ParseResult, { status: 'complete' }> {
  assert.equal(r.status, 'complete', JSON.stringify(r));
  return r;
}
const reasonOf = (r: ParseResult): string => {
  assert.equal(r.status, 'invalid', JSON.stringify(r));
  return (r as { reason: string }).reason;
};

describe('transport/proxy header', () => {
  it('reads a v1 TCP4 line and says where the client bytes start', () => {
    const header = v1Header(src, dst);
    const r = complete(parseProxyHeader(Buffer.concat([header, CONNECT])));
    assert.deepEqual(r.header, { kind: 'proxied', source: src, destination: dst });
    assert.equal(r.length, header.length);
  });

  it('reads a v1 TCP6 line', () => {
    const s = { address: '2001:db8::1', port: 40000 };
    const d = { address: '2001:db8::2', port: 8883 };
    assert.deepEqual(complete(parseProxyHeader(v1Header(s, d))).header, {
      kind: 'proxied',
      source: s,
      destination: d,
    });
  });

  it('takes v1 UNKNOWN with or without addresses, ignoring the rest of the line', () => {
    for (const line of ['PROXY UNKNOWN\r\n', 'PROXY UNKNOWN ffff::1 ffff::2 65535 65535\r\n']) {
      const r = complete(parseProxyHeader(text(line)));
      assert.deepEqual(r.header, { kind: 'unknown' });
      assert.equal(r.length, line.length);
    }
  });

  it('refuses v1 lines that do not match the format exactly', () => {
    const bad: Record<string, string> = {
      'PROXY TCP4 203.0.113.7 10.0.0.5 51234 1883\n': 'LF without CR',
      'PROXY TCP4 203.0.113.07 10.0.0.5 51234 1883\r\n': 'not IPv4',
      'PROXY TCP4 2001:db8::1 10.0.0.5 51234 1883\r\n': 'not IPv4',
      'PROXY TCP6 203.0.113.7 2001:db8::2 1 2\r\n': 'not IPv6',
      'PROXY TCP4 203.0.113.7 10.0.0.5 051234 1883\r\n': 'port',
      'PROXY TCP4 203.0.113.7 10.0.0.5 65536 1883\r\n': 'port',
      'PROXY TCP4 203.0.113.7 10.0.0.5 51234\r\n': 'fields',
      'PROXY TCP4  203.0.113.7 10.0.0.5 51234 1883\r\n': 'fields',
      'PROXY UDP4 203.0.113.7 10.0.0.5 51234 1883\r\n': 'unknown protocol',
      'PROXY TCP4 203.0.113.7\r10.0.0.5 51234 1883\r\n': 'CR inside',
    };
    for (const [line, reason] of Object.entries(bad))
      assert.match(reasonOf(parseProxyHeader(text(line))), new RegExp(reason), line);
  });

  it('waits for the CRLF up to 107 bytes and no further', () => {
    assert.equal(parseProxyHeader(text('PROXY TCP4 203.0.113.7')).status, 'incomplete');
    assert.equal(parseProxyHeader(text('PROXY UNKNOWN '.padEnd(106, 'f'))).status, 'incomplete');
    assert.match(reasonOf(parseProxyHeader(text('PROXY UNKNOWN '.padEnd(107, 'f')))), /no CRLF in 107/);
    const longest = `PROXY UNKNOWN ${'f'.repeat(91)}\r\n`;
    assert.equal(longest.length, 107);
    assert.equal(complete(parseProxyHeader(text(longest))).length, 107);
  });

  it('reads a v2 PROXY header over TCP/IPv4 and IPv6, skipping TLVs', () => {
    const tlvs = Buffer.concat([tlv(0x01, text('mqtt')), tlv(0x05, Buffer.alloc(20, 7))]);
    const header = v2Header({ source: src, destination: dst, tlvs });
    const r = complete(parseProxyHeader(Buffer.concat([header, CONNECT])));
    assert.deepEqual(r.header, { kind: 'proxied', source: src, destination: dst });
    assert.equal(r.length, 16 + 12 + tlvs.length);
    const s6 = { address: '2001:db8:0:1::7', port: 1 };
    const d6 = { address: '::1', port: 65535 };
    assert.deepEqual(complete(parseProxyHeader(v2Header({ source: s6, destination: d6 }))).header, {
      kind: 'proxied',
      source: s6,
      destination: d6,
    });
  });

  it('keeps the real peer for v2 LOCAL, AF_UNSPEC, AF_UNIX and datagrams', () => {
    const cases = [
      v2Header({ command: 0, source: src, destination: dst }),
      v2Header({ command: 0 }),
      v2Header({ familyProtocol: 0x00 }),
      v2Header({ familyProtocol: 0x31, tlvs: Buffer.alloc(216) }),
      v2Header({ familyProtocol: 0x12, source: src, destination: dst }),
    ];
    for (const h of cases) {
      const r = complete(parseProxyHeader(Buffer.concat([h, CONNECT])));
      assert.deepEqual(r.header, { kind: 'unknown' });
      assert.equal(r.length, h.length);
    }
  });

  it('refuses v2 headers with a bad version, command, family, protocol or length', () => {
    const bad: [Buffer, RegExp][] = [
      [v2Header({ version: 1, source: src, destination: dst }), /version 1/],
      [v2Header({ command: 2, source: src, destination: dst }), /command 2/],
      [v2Header({ familyProtocol: 0x41, source: src, destination: dst }), /address family 4/],
      [v2Header({ familyProtocol: 0x13, source: src, destination: dst }), /transport protocol 3/],
      [v2Header({ familyProtocol: 0x21, source: src, destination: dst }), /too short/],
      [v2Header({ tlvs: Buffer.alloc(2049) }), /over 2048/],
    ];
    for (const [h, reason] of bad) assert.match(reasonOf(parseProxyHeader(h)), reason);
  });

  it('tells a connection without a header from its first byte', () => {
    for (const first of [
      CONNECT,
      Buffer.from([0x16, 0x03, 0x01]),
      text('GET /mqtt HTTP/1.1\r\n'),
      text('PX'),
    ])
      assert.equal(parseProxyHeader(first).status, 'absent');
    for (const prefix of [text('P'), text('PROXY'), Buffer.from([0x0d, 0x0a, 0x0d])])
      assert.equal(parseProxyHeader(prefix).status, 'incomplete');
    assert.equal(parseProxyHeader(Buffer.alloc(0)).status, 'incomplete');
  });
});
