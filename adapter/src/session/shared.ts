import { createHash } from 'node:crypto';

export interface SharedFilter {
  readonly group: string;
  readonly filter: string;
}

/** Splits `$share/<group>/<filter>`; undefined for an ordinary filter. */
export function parseShared(filter: string): SharedFilter | undefined | 'invalid' {
  if (!filter.startsWith('$share/')) return undefined;
  const rest = filter.slice('$share/'.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return 'invalid';
  const group = rest.slice(0, slash);
  // [MQTT-4.8.2-2] the share name holds no wildcard.
  if (group.includes('+') || group.includes('#')) return 'invalid';
  const inner = rest.slice(slash + 1);
  return inner.length === 0 ? 'invalid' : { group, filter: inner };
}

/** One AMQP queue per (group, filter), whichever replica a member is on. */
export function sharedQueueName(s: SharedFilter): string {
  const digest = createHash('sha256').update(s.filter).digest('hex').slice(0, 16);
  return `mqtt-shared-${s.group}-${digest}`;
}
