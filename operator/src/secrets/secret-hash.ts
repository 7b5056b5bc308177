import { createHash } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };

/**
 * A digest of the data of the referenced Secrets. It goes into the pod
 * template, so rotating a certificate or a password rolls the pods; order of
 * Secrets and keys does not matter, and the data itself never leaves the hash.
 */
export function secretHash(secrets: readonly V1Secret[]): string {
  const h = createHash('sha256');
  const sorted = [...secrets].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  for (const s of sorted) {
    h.update(`secret\0${s.metadata?.name ?? ''}\0`);
    const data = s.data ?? {};
    for (const key of Object.keys(data).sort()) h.update(`${key}\0${data[key]}\0`);
  }
  return h.digest('hex').slice(0, 32);
}
