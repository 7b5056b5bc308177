import { createHmac } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { subjectDistinguishedName } from './distinguished-name';
import { pickAltName, type SanType } from './subject-alt-names';

/** Which part of a certificate names its user (MQTT_ADAPTER_TLS_CERT_LOGIN and its SAN settings). */
export interface CertLoginRule {
  readonly from: 'cn' | 'san' | 'dn';
  /** For `san`: the SAN type to take (`any` for all types) and which of them, from 0. */
  readonly sanType: SanType;
  readonly sanIndex: number;
}

/** The rule a configuration states; undefined with certificate login off. */
export function certLoginRule(config: {
  tlsCertLogin: 'off' | 'cn' | 'san' | 'dn';
  tlsCertLoginSanType: SanType;
  tlsCertLoginSanIndex: number;
}): CertLoginRule | undefined {
  if (config.tlsCertLogin === 'off') return undefined;
  return {
    from: config.tlsCertLogin,
    sanType: config.tlsCertLoginSanType,
    sanIndex: config.tlsCertLoginSanIndex,
  };
}

/**
 * The username a verified client certificate stands for: its subject CN, its
 * whole subject DN as RabbitMQ writes it, or the value of one of its subject
 * alternative names without the type prefix (the first of any type by
 * default). Undefined when the certificate has none.
 */
export function certificateUsername(cert: PeerCertificate, rule: CertLoginRule): string | undefined {
  if (rule.from === 'dn') return subjectDistinguishedName(cert.raw);
  if (rule.from === 'cn') {
    const cn = cert.subject?.CN;
    const first = Array.isArray(cn) ? cn[0] : cn;
    return first && first.length > 0 ? first : undefined;
  }
  const value = pickAltName(cert.subjectaltname, rule.sanType, rule.sanIndex);
  return value && value.length > 0 ? value : undefined;
}

/**
 * The RabbitMQ password of a certificate-login user: an HMAC of the vhost and
 * user under the adapter's secret. Operators create the RabbitMQ user with
 * this password (`mqtt-adapter-cert-password`), so RabbitMQ keeps deciding who
 * exists and what each may do; see docs/x509-login.md for the argument.
 */
export function derivedPassword(secret: string, vhost: string, user: string): string {
  return createHmac('sha256', secret).update(`${vhost}\u0000${user}`).digest('base64url');
}
