import { strict as assert } from 'node:assert';
import type { PeerCertificate } from 'node:tls';
import { certificateUsername, type CertLoginRule } from '../../../adapter/src/auth/cert-identity';
import { parseAltNames, pickAltName } from '../../../adapter/src/auth/subject-alt-names';

const cert = (cn: string | undefined, san?: string): PeerCertificate =>
  ({ subject: cn === undefined ? {} : { CN: cn }, subjectaltname: san }) as unknown as PeerCertificate;

const san = (sanType: CertLoginRule['sanType'] = 'any', sanIndex = 0): CertLoginRule => ({
  from: 'san',
  sanType,
  sanIndex,
});

describe('auth/cert-identity: the user a certificate names', () => {
  const sans =
    'DNS:edge.example, email:ops@example.com, DNS:device-7, IP Address:10.0.0.7, URI:spiffe://t/d7';

  it('reads Node subjectaltname lists, quoted values with commas included', () => {
    assert.deepEqual(parseAltNames('DNS:a, DNS:"b, c", email:d@e'), [
      { type: 'DNS', value: 'a' },
      { type: 'DNS', value: 'b, c' },
      { type: 'email', value: 'd@e' },
    ]);
    assert.deepEqual(parseAltNames(''), []);
    assert.deepEqual(parseAltNames('DNS:"unterminated'), []);
  });

  it("takes the CN, or the first SAN of any type, as RabbitMQ's ssl_cert_login_from", () => {
    assert.equal(
      certificateUsername(cert('cn-user', sans), { from: 'cn', sanType: 'any', sanIndex: 0 }),
      'cn-user',
    );
    assert.equal(certificateUsername(cert('cn-user', sans), san()), 'edge.example');
  });

  it('takes the SAN of a chosen type and index (ssl_cert_login_san_type and _index)', () => {
    assert.equal(certificateUsername(cert('x', sans), san('dns', 1)), 'device-7');
    assert.equal(certificateUsername(cert('x', sans), san('email')), 'ops@example.com');
    assert.equal(certificateUsername(cert('x', sans), san('ip')), '10.0.0.7');
    assert.equal(certificateUsername(cert('x', sans), san('uri')), 'spiffe://t/d7');
    assert.equal(certificateUsername(cert('x', sans), san('any', 2)), 'device-7');
  });

  it('names nobody when the chosen name is missing', () => {
    assert.equal(certificateUsername(cert('x', sans), san('dns', 2)), undefined);
    assert.equal(certificateUsername(cert('x'), san()), undefined);
    assert.equal(
      certificateUsername(cert(undefined, sans), { from: 'cn', sanType: 'any', sanIndex: 0 }),
      undefined,
    );
    assert.equal(pickAltName('DNS:', 'dns', 0), '');
  });
});
