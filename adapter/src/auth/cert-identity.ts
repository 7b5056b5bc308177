import { createHmac } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';

/**
 * The username a verified client certificate stands for: its subject CN, or
 * its first subject alternative name without the type prefix (`DNS:`, `email:`,
 * `URI:`, ...). Undefined when the certificate has none.
 */
export function certificateUsername(cert: PeerCertificate, source: 'cn' | 'san'): string | undefined {
  if (source === 'cn') {
    const cn = cert.subject?.CN;
    const first = Array.isArray(cn) ? cn[0] : cn;
    return first && first.length > 0 ? first : undefined;
  }
  const san = cert.subjectaltname;
  if (!san) return undefined;
  const entry = san.split(',')[0]?.trim() ?? '';
  const colon = entry.indexOf(':');
  const value = colon === -1 ? entry : entry.slice(colon + 1);
  return value.length > 0 ? value : undefined;
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
