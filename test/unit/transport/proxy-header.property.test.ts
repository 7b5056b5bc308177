import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { parseProxyHeader } from '../../../adapter/src/transport/proxy/header';
import { V1_MAX_LENGTH } from '../../../adapter/src/transport/proxy/v1';
import { V2_MAX_BLOCK } from '../../../adapter/src/transport/proxy/v2';
import { addressBytes, V2_SIGNATURE, v1Header, v2Header } from '../../support/proxy-header';

const port = fc.integer({ min: 0, max: 65535 });
const endpoint4 = fc.record({ address: fc.ipV4(), port });
/** WHATWG URL writes IPv6 hosts in RFC 5952 form: an oracle the parser shares no code with. */
const canonical = (a: string): string => new URL(`http://[${a}]/`).hostname.slice(1, -1);
/** Any text form, as v2 carries bytes; v1 senders write the canonical one. */
const endpoint6 = fc.record({ address: fc.ipV6(), port });
const canonical6 = fc.record({ address: fc.ipV6().map(canonical), port });

describe('transport/proxy header, properties', () => {
  it('reads back every v2 header a proxy can send, whatever follows it', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.tuple(endpoint4, endpoint4), fc.tuple(endpoint6, endpoint6)),
        fc.uint8Array({ maxLength: 64 }),
        fc.uint8Array({ maxLength: 64 }),
        ([source, destination], tlvs, after) => {
          const header = v2Header({ source, destination, tlvs: Buffer.from(tlvs) });
          const r = parseProxyHeader(Buffer.concat([header, after]));
          assert.equal(r.status, 'complete');
          if (r.status !== 'complete' || r.header.kind !== 'proxied') return;
          assert.equal(r.length, header.length);
          assert.deepEqual(addressBytes(r.header.source.address), addressBytes(source.address));
          assert.deepEqual(addressBytes(r.header.destination.address), addressBytes(destination.address));
          if (source.address.includes(':')) assert.equal(r.header.source.address, canonical(source.address));
          assert.equal(r.header.source.port, source.port);
          assert.equal(r.header.destination.port, destination.port);
        },
      ),
    );
  });

  it('reads back every v1 line', () => {
    fc.assert(
      fc.property(fc.oneof(fc.tuple(endpoint4, endpoint4), fc.tuple(canonical6, canonical6)), ([s, d]) => {
        const line = v1Header(s, d);
        assert.ok(line.length <= V1_MAX_LENGTH);
        const r = parseProxyHeader(line);
        assert.deepEqual(r, {
          status: 'complete',
          header: { kind: 'proxied', source: { ...s }, destination: { ...d } },
          length: line.length,
        });
      }),
    );
  });

  it('never completes a truncated header, and never throws', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.tuple(endpoint4, endpoint4), fc.tuple(canonical6, canonical6)),
        fc.boolean(),
        fc.nat(),
        ([source, destination], v2, cut) => {
          const header = v2 ? v2Header({ source, destination }) : v1Header(source, destination);
          const r = parseProxyHeader(header.subarray(0, cut % header.length));
          assert.equal(r.status, 'incomplete');
        },
      ),
    );
  });

  it('answers any bytes with a verdict, never an exception, and never a header longer than the bytes', () => {
    const prefixes = fc.constantFrom(Buffer.alloc(0), Buffer.from('PROXY ', 'latin1'), V2_SIGNATURE);
    fc.assert(
      fc.property(prefixes, fc.uint8Array({ maxLength: 300 }), (prefix, rest) => {
        const data = Buffer.concat([prefix, rest]);
        const r = parseProxyHeader(data);
        if (r.status === 'complete') assert.ok(r.length <= data.length);
        if (r.status === 'incomplete') assert.ok(data.length < 16 + V2_MAX_BLOCK);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses v1 with no CRLF within 107 bytes however long the line', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', '1', ' ', ':', '.'), minLength: 101, maxLength: 400 }),
        (s) => {
          const r = parseProxyHeader(Buffer.from(`PROXY ${s}\r\n`, 'latin1'));
          assert.equal(r.status, 'invalid');
        },
      ),
    );
  });

  it('refuses a bad signature, family or oversized block', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 11 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const h = v2Header({
          source: { address: '192.0.2.1', port: 1 },
          destination: { address: '192.0.2.2', port: 2 },
        });
        h[at] = h[at] ^ flip;
        assert.notEqual(parseProxyHeader(h).status, 'complete');
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 15 }), fc.integer({ min: 0, max: 15 }), (family, protocol) => {
        const r = parseProxyHeader(v2Header({ familyProtocol: (family << 4) | protocol }));
        assert.equal(r.status, 'invalid');
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: V2_MAX_BLOCK + 1, max: 65535 }), (length) => {
        const r = parseProxyHeader(v2Header({ length }));
        assert.equal(r.status, 'invalid');
      }),
    );
  });
});
