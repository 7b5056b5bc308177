/** One subject alternative name as Node's `subjectaltname` lists it. */
export interface AltName {
  /** `DNS`, `IP Address`, `email`, `URI`, `othername`, ... as Node writes it. */
  readonly type: string;
  readonly value: string;
}

/**
 * Splits Node's `PeerCertificate.subjectaltname` (`DNS:a, IP Address:10.0.0.1,
 * email:x@y`) into its names. Node writes a value holding a comma, quote or
 * other special character as a JSON string (`DNS:"a, b"`), so a comma inside
 * one does not split it. Pure; an entry that does not parse ends the list.
 */
export function parseAltNames(text: string): AltName[] {
  const out: AltName[] = [];
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(':', i);
    if (colon === -1) break;
    const type = text.slice(i, colon).trim();
    let value: string;
    let next: number;
    if (text[colon + 1] === '"') {
      const end = closingQuote(text, colon + 2);
      if (end === -1) break;
      try {
        value = JSON.parse(text.slice(colon + 1, end + 1)) as string;
      } catch {
        break;
      }
      next = text.indexOf(',', end + 1);
    } else {
      next = text.indexOf(',', colon + 1);
      value = text.slice(colon + 1, next === -1 ? undefined : next);
    }
    out.push({ type, value });
    if (next === -1) break;
    i = next + 1;
  }
  return out;
}

function closingQuote(text: string, from: number): number {
  for (let j = from; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === '"') return j;
  }
  return -1;
}

/** SAN types a certificate login may pick, as RabbitMQ's `ssl_cert_login_san_type` names them, and Node's spelling. */
export const SAN_TYPES = {
  any: undefined,
  dns: 'DNS',
  ip: 'IP Address',
  email: 'email',
  uri: 'URI',
  other_name: 'othername',
} as const;
export type SanType = keyof typeof SAN_TYPES;

/** The `index`-th (from 0) name of `type` among the certificate's SANs. */
export function pickAltName(text: string | undefined, type: SanType, index: number): string | undefined {
  if (!text) return undefined;
  const wanted = SAN_TYPES[type];
  const names = parseAltNames(text).filter((n) => wanted === undefined || n.type === wanted);
  const name = names[index];
  return name && identityOf(name);
}

/**
 * The identity a SAN carries. Node (on OpenSSL 3) writes an otherName it
 * knows as `othername:<form>:<value>`, the form being `UPN`, `SmtpUTF8Mailbox`,
 * `XmppAddr`, `NAIRealm` (UTF8String values) or `SRVName` (IA5String), and
 * every other as `othername:<unsupported>`. The identity is the value alone,
 * as RabbitMQ's `other_name` takes it; an unsupported one names nobody, but
 * still counts in the index, so indexes follow the certificate's order.
 */
function identityOf(name: AltName): string | undefined {
  if (name.type !== SAN_TYPES.other_name) return name.value;
  const colon = name.value.indexOf(':');
  return colon > 0 ? name.value.slice(colon + 1) : undefined;
}
