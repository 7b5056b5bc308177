import { children, DerError, element, expectTag, oidText, TAG, type Element } from './der';

/**
 * A certificate subject as RabbitMQ writes it for `ssl_cert_login_from =
 * distinguished_name` (rabbit_cert_info:subject/1), so a user provisioned for
 * RabbitMQ's own certificate login is the same user here:
 *
 * - RFC 4514 order: the subject's RDNs last to first, joined by `,` with no
 *   space (`CN=device-1,O=Acme,C=GB`); the attributes of a multi-valued RDN
 *   joined by `+` in their encoded order;
 * - RabbitMQ's attribute names (`CN`, `O`, `OU`, `EMAILADDRESS`, `UID`, ...),
 *   the dotted OID for any other;
 * - values as UTF-8 bytes, escaped as RabbitMQ escapes them: `\` before a
 *   leading space or `#`, a trailing space and any of `"+,;<>\`; `\XX` (upper
 *   hex) for each byte below 0x20 or from 0x7E up, so `~` and every non-ASCII
 *   byte are escaped.
 */

/** rabbit_cert_info's names for attribute types; others are written as their OID. */
const NAMES: Readonly<Record<string, string>> = {
  '2.5.4.4': 'SN',
  '2.5.4.42': 'GIVENNAME',
  '2.5.4.43': 'INITIALS',
  '2.5.4.44': 'GENERATIONQUALIFIER',
  '2.5.4.3': 'CN',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'TITLE',
  '2.5.4.6': 'C',
  '2.5.4.5': 'SERIALNUMBER',
  '2.5.4.65': 'PSEUDONYM',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'EMAILADDRESS',
  '2.5.4.9': 'STREET',
  '0.9.2342.19200300.100.1.1': 'UID',
};

const STRING = {
  UTF8: 0x0c,
  PRINTABLE: 0x13,
  TELETEX: 0x14,
  IA5: 0x16,
  UNIVERSAL: 0x1c,
  BMP: 0x1e,
} as const;

/**
 * The subject DN of a DER certificate (a peer certificate's `raw`), or
 * undefined when the subject is empty, the certificate cannot be read, or a
 * value is in a string type RabbitMQ does not write as text (it would print
 * an Erlang term).
 */
export function subjectDistinguishedName(der: Uint8Array | undefined): string | undefined {
  if (!der || der.length === 0) return undefined;
  try {
    return formatName(der, subjectOf(der)) || undefined;
  } catch (err) {
    if (err instanceof DerError) return undefined;
    throw err;
  }
}

/** Certificate → tbsCertificate → [version], serialNumber, signature, issuer, validity, subject. */
function subjectOf(der: Uint8Array): Element {
  const cert = expectTag(element(der, 0), TAG.SEQUENCE, 'a certificate');
  const tbs = expectTag(children(der, cert)[0], TAG.SEQUENCE, 'a tbsCertificate');
  const fields = children(der, tbs);
  const subjectAt = fields[0]?.tag === TAG.CONTEXT_0 ? 5 : 4;
  return expectTag(fields[subjectAt], TAG.SEQUENCE, 'a subject name');
}

function formatName(der: Uint8Array, name: Element): string {
  const rdns = children(der, name).map((set) => {
    const attributes = children(der, expectTag(set, TAG.SET, 'a relative distinguished name'));
    if (attributes.length === 0) throw new DerError('empty relative distinguished name');
    return attributes.map((a) => formatAttribute(der, a)).join('+');
  });
  return rdns.reverse().join(',');
}

function formatAttribute(der: Uint8Array, attribute: Element): string {
  const [type, value, ...rest] = children(der, expectTag(attribute, TAG.SEQUENCE, 'an attribute'));
  if (!value || rest.length > 0) throw new DerError('an attribute is a type and one value');
  const oid = oidText(der, expectTag(type, TAG.OID, 'an attribute type'));
  return `${NAMES[oid] ?? oid}=${escapeValue(utf8Bytes(der, value))}`;
}

/** A string value's text as UTF-8 bytes, as RabbitMQ converts each string type. */
function utf8Bytes(der: Uint8Array, value: Element): Uint8Array {
  const raw = der.subarray(value.start, value.end);
  switch (value.tag) {
    case STRING.UTF8:
    case STRING.PRINTABLE:
    case STRING.IA5:
      return raw;
    case STRING.TELETEX:
      // RabbitMQ takes T.61 as ISO-8859-1, as most software does.
      return Buffer.from(Buffer.from(raw).toString('latin1'), 'utf8');
    case STRING.BMP:
      return codePoints(raw, 2);
    case STRING.UNIVERSAL:
      return codePoints(raw, 4);
    default:
      throw new DerError(`attribute value of ASN.1 type ${value.tag}`);
  }
}

/** UCS-2 or UCS-4 (big-endian) as UTF-8. */
function codePoints(raw: Uint8Array, width: 2 | 4): Uint8Array {
  if (raw.length % width !== 0) throw new DerError('string of a partial character');
  let text = '';
  for (let i = 0; i < raw.length; i += width) {
    let cp = 0;
    for (let j = 0; j < width; j++) cp = cp * 256 + raw[i + j];
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new DerError('not a Unicode scalar value');
    text += String.fromCodePoint(cp);
  }
  return Buffer.from(text, 'utf8');
}

const SPECIAL = new Set([...'"+,;<>\\'].map((c) => c.charCodeAt(0)));

/** rabbit_cert_info:escape_rdn_value/2, byte for byte. */
export function escapeValue(bytes: Uint8Array): string {
  let out = '';
  bytes.forEach((c, i) => {
    const ch = String.fromCharCode(c);
    if (i === 0 && (ch === ' ' || ch === '#')) out += `\\${ch}`;
    else if (i === bytes.length - 1 && ch === ' ') out += '\\ ';
    else if (SPECIAL.has(c)) out += `\\${ch}`;
    else if (c < 0x20 || c >= 0x7e) out += `\\${c.toString(16).toUpperCase().padStart(2, '0')}`;
    else out += ch;
  });
  return out;
}
