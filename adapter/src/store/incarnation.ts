import { randomBytes } from 'node:crypto';

/**
 * One run of an adapter process: its pod name plus a start id made when the
 * process starts, written `<pod>/<start id>`. A container restarted inside the
 * same Kubernetes pod keeps the pod name but is a new incarnation, so it never
 * refreshes the liveness of the process it replaced, and that process's
 * clients are swept like those of any dead pod. Pod names (DNS labels) hold no
 * `/`; the start id never does, so the last `/` always separates the two.
 */
export function newIncarnation(pod: string, startId = randomBytes(4).toString('hex')): string {
  return `${pod}/${startId}`;
}

/** The pod name of an incarnation; a name without a start id is its own pod. */
export function podOf(incarnation: string): string {
  const slash = incarnation.lastIndexOf('/');
  return slash === -1 ? incarnation : incarnation.slice(0, slash);
}

/**
 * The name an incarnation gives its Redis connections (CLIENT SETNAME), so
 * another pod can tell from CLIENT LIST whether it still holds any. Redis
 * accepts only the characters `!` to `~` in a name; others become their
 * code point in hex after a `%` (the start id keeps names unique anyway).
 */
export function redisConnectionName(incarnation: string): string {
  const escaped = incarnation.replace(
    /[^!-~]/gu,
    (c) => `%${(c.codePointAt(0) ?? 0).toString(16).toUpperCase()}`,
  );
  return `mqtt-adapter/${escaped}`;
}
