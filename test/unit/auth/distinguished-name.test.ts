import { strict as assert } from 'node:assert';
import { X509Certificate } from 'node:crypto';
import { subjectDistinguishedName } from '../../../adapter/src/auth/distinguished-name';
import { pickAltName } from '../../../adapter/src/auth/subject-alt-names';
import { createPki, type Pki } from '../../integration/helpers/tls';

/** A DER element: tag, definite length, contents. */
function der(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  const n = body.length;
  const length =
    n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, body]);
}
const seq = (...c: Buffer[]): Buffer => der(0x30, ...c);
const set = (...c: Buffer[]): Buffer => der(0x31, ...c);
const oid = (...bytes: number[]): Buffer => der(0x06, Buffer.from(bytes));
const CN = oid(0x55, 0x04, 0x03);
const O = oid(0x55, 0x04, 0x0a);
const attr = (type: Buffer, tag: number, value: Buffer): Buffer => seq(type, der(tag, value));

/** A certificate skeleton whose subject is `name`: only the fields the reader walks past are present. */
function certWith(name: Buffer, version = true): Buffer {
  const fields = [
    ...(version ? [der(0xa0, der(0x02, Buffer.from([2])))] : []),
    der(0x02, Buffer.from([1])),
    seq(oid(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02)),
    seq(set(attr(CN, 0x0c, Buffer.from('issuer')))),
    seq(),
    name,
  ];
  return seq(seq(...fields), seq(), der(0x03, Buffer.from([0])));
}

describe('auth/distinguished-name: the subject DN as RabbitMQ writes it', () => {
  let pki: Pki;
  before(async function () {
    this.timeout(30_000);
    pki = await createPki();
  });
  after(async () => {
    await pki?.remove();
  });

  const dnOf = async (subject: string): Promise<string | undefined> => {
    const pair = await pki.client(`dn-${Math.random().toString(36).slice(2)}`, { subject });
    return subjectDistinguishedName(new X509Certificate(pair.cert).raw);
  };

  it('writes an openssl certificate last RDN first, with RabbitMQ names and no spaces', async () => {
    assert.equal(
      await dnOf('/C=GB/ST=Kent/O=Acme/OU=Devices/CN=device-1'),
      'CN=device-1,OU=Devices,O=Acme,ST=Kent,C=GB',
    );
  });

  it('escapes as rabbit_cert_info does: specials, leading # and space, trailing space, bytes from 0x7E, UTF-8', async () => {
    const subject =
      '/DC=org/DC=example/C=GB/O=Acme, Inc./OU=Dev+UID=u~1/CN=#device 1 /emailAddress=d1@example.org/CN=élan;<x>"q"\\\\ end/2.5.4.72=role';
    assert.equal(
      await dnOf(subject),
      [
        '2.5.4.72=role',
        'CN=\\C3\\A9lan\\;\\<x\\>\\"q\\"\\\\ end',
        'EMAILADDRESS=d1@example.org',
        'CN=\\#device 1\\ ',
        // A multi-valued RDN keeps its DER order (DER sorts a SET by encoding: OU's is shorter).
        'OU=Dev+UID=u\\7E1',
        'O=Acme\\, Inc.',
        'C=GB',
        'DC=example',
        'DC=org',
      ].join(','),
    );
  });

  it('converts BMP, Universal and T.61 strings to UTF-8 before escaping, and reads a v1 certificate', () => {
    const name = seq(
      set(attr(O, 0x1e, Buffer.from([0x00, 0x41, 0x03, 0xbb]))),
      set(attr(O, 0x1c, Buffer.from([0, 0, 0, 0x42, 0, 1, 0xf6, 0x00]))),
      set(attr(CN, 0x14, Buffer.from([0x43, 0xe9]))),
    );
    const expected = 'CN=C\\C3\\A9,O=B\\F0\\9F\\98\\80,O=A\\CE\\BB';
    assert.equal(subjectDistinguishedName(certWith(name)), expected);
    assert.equal(subjectDistinguishedName(certWith(name, false)), expected);
  });

  it('names nobody for an empty subject, a value RabbitMQ would not write as text, or broken DER', () => {
    assert.equal(subjectDistinguishedName(certWith(seq())), undefined);
    assert.equal(subjectDistinguishedName(certWith(seq(set(attr(CN, 0x04, Buffer.from('raw')))))), undefined);
    assert.equal(subjectDistinguishedName(certWith(seq(set()))), undefined);
    assert.equal(
      subjectDistinguishedName(certWith(seq(set(attr(O, 0x1e, Buffer.from([0xd8, 0x00])))))),
      undefined,
    );
    const good = certWith(seq(set(attr(CN, 0x0c, Buffer.from('x')))));
    assert.equal(subjectDistinguishedName(good), 'CN=x');
    for (let cut = 0; cut < good.length; cut++)
      assert.equal(subjectDistinguishedName(good.subarray(0, cut)), undefined, `cut at ${cut}`);
    assert.equal(subjectDistinguishedName(undefined), undefined);
  });

  it('reads otherName SANs of an openssl certificate as Node prints them: the value, in certificate order', async () => {
    const pair = await pki.client('othername', {
      cn: 'x',
      altNames: [
        'otherName.1=1.3.6.1.4.1.311.20.2.3;UTF8:alice@example.com',
        'otherName.2=1.2.3.4;UTF8:not-decoded',
        'DNS.1=d.example',
        'otherName.3=1.3.6.1.4.1.311.20.2.3;UTF8:b, c@example.com',
        'otherName.4=1.3.6.1.5.5.7.8.7;IA5STRING:_mqtt.example',
      ],
    });
    const sans = new X509Certificate(pair.cert).subjectAltName;
    assert.equal(pickAltName(sans, 'other_name', 0), 'alice@example.com');
    // Node prints an otherName it does not decode as `othername:<unsupported>`: it counts, and names nobody.
    assert.equal(pickAltName(sans, 'other_name', 1), undefined);
    assert.equal(pickAltName(sans, 'other_name', 2), 'b, c@example.com');
    assert.equal(pickAltName(sans, 'other_name', 3), '_mqtt.example');
    assert.equal(pickAltName(sans, 'other_name', 4), undefined);
    assert.equal(pickAltName(sans, 'any', 0), 'alice@example.com');
    assert.equal(pickAltName(sans, 'any', 2), 'd.example');
  });
});
