import type { V1ObjectMeta } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };

/** coordination.k8s.io/v1 Lease as JSON on the wire (client-node types times as Date objects). */
export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata?: V1ObjectMeta;
  spec?: LeaseSpec;
}

export type LeaseAction = 'create' | 'renew' | 'takeover' | 'wait';

/** MicroTime wants exactly six fractional digits. */
export const microTime = (d: Date): string => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

const renewedAt = (spec: LeaseSpec): number => {
  const t = spec.renewTime ?? spec.acquireTime;
  return t ? new Date(t).getTime() : 0;
};

/** What a candidate should do with the Lease it just read: pure, so the timing rules are unit-tested. */
export function leaseAction(lease: Lease | null, identity: string, now: Date): LeaseAction {
  if (!lease) return 'create';
  const spec = lease.spec ?? {};
  if (spec.holderIdentity === identity) return 'renew';
  if (!spec.holderIdentity) return 'takeover';
  const expiresAt = renewedAt(spec) + (spec.leaseDurationSeconds ?? 0) * 1000;
  return now.getTime() > expiresAt ? 'takeover' : 'wait';
}

/** The spec to write for an action; a takeover counts a transition, a renewal only moves renewTime. */
export function leaseSpec(
  action: Exclude<LeaseAction, 'wait'>,
  previous: LeaseSpec | undefined,
  identity: string,
  durationSeconds: number,
  now: Date,
): LeaseSpec {
  const t = microTime(now);
  if (action === 'renew' && previous) return { ...previous, renewTime: t };
  return {
    holderIdentity: identity,
    leaseDurationSeconds: durationSeconds,
    acquireTime: t,
    renewTime: t,
    leaseTransitions: action === 'takeover' ? (previous?.leaseTransitions ?? 0) + 1 : 0,
  };
}
