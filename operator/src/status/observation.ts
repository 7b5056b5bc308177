import type { V1Deployment } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import type { MqttListenerStatusCondition, MqttListenerStatusRebalance } from '../api/types.generated';

/** What a reconcile saw: the input of every status condition. */
export interface Observation {
  /** metadata.generation of the listener being reconciled. */
  readonly generation: number;
  readonly desiredReplicas: number;
  /** The Deployment as the API server returned it after apply; absent when not (yet) created. */
  readonly deployment?: V1Deployment;
  /** Why this reconcile could not bring the children to the spec, e.g. a missing Secret. */
  readonly failure?: { readonly reason: string; readonly message: string };
  /** The last rebalance the annotation asked for and the operator made. */
  readonly rebalance?: MqttListenerStatusRebalance;
}

/** A condition as a pure function computes it; the transition time is added when merging. */
export type ConditionValue = Omit<MqttListenerStatusCondition, 'lastTransitionTime' | 'observedGeneration'>;

/** True while the Deployment controller has not caught up with the latest pod template or replica count. */
export function rolloutPending(d: V1Deployment, desired: number): boolean {
  const s = d.status ?? {};
  if ((s.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) return true;
  return (s.updatedReplicas ?? 0) < desired || (s.replicas ?? 0) > (s.updatedReplicas ?? 0);
}
