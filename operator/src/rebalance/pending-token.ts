import { REBALANCE_ANNOTATION } from '../api/names';
import type { MqttListener } from '../api/types.generated';

/**
 * The annotation's value when the operator has not yet acted on it, else
 * undefined. `acted` is the token this process last acted on for the listener,
 * for when that request was made but writing status then failed: the status
 * would still show the older token, and asking again would start a second
 * rebalance. An empty value asks for nothing, so clearing the annotation is safe.
 */
export function pendingToken(l: MqttListener, acted?: string): string | undefined {
  const token = l.metadata?.annotations?.[REBALANCE_ANNOTATION];
  if (!token) return undefined;
  if (token === l.status?.rebalance?.lastToken || token === acted) return undefined;
  return token;
}

/** Why the listener's pods would refuse a rebalance (they answer 409), or undefined when they can. */
export function rebalanceRefusal(l: MqttListener): string | undefined {
  if (!l.spec.redis) return 'rebalancing needs spec.redis';
  if (l.spec.rebalance?.enabled === false) return 'spec.rebalance.enabled is false';
  return undefined;
}
