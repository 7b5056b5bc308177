import type { MqttListenerStatus, MqttListenerStatusCondition } from '../api/types.generated';
import { degradedCondition } from './conditions/degraded';
import { progressingCondition } from './conditions/progressing';
import { readyCondition } from './conditions/ready';
import { mergeConditions } from './merge-conditions';
import type { Observation } from './observation';

/** The whole status subresource for one observation; pure, so the reconciler only writes it. */
export function listenerStatus(
  o: Observation,
  selector: string,
  previous: readonly MqttListenerStatusCondition[],
  now: Date,
): MqttListenerStatus {
  const conditions = [readyCondition(o), progressingCondition(o), degradedCondition(o)];
  return {
    observedGeneration: o.generation,
    replicas: o.deployment?.status?.replicas ?? 0,
    readyReplicas: o.deployment?.status?.readyReplicas ?? 0,
    selector,
    ...(o.rebalance && { rebalance: o.rebalance }),
    conditions: mergeConditions(previous, conditions, now, o.generation),
  };
}
