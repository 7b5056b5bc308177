import type { MqttListenerStatusCondition } from '../api/types.generated';
import type { ConditionValue } from './observation';

/**
 * Stamps computed conditions with transition times: a condition whose status
 * did not change keeps its previous lastTransitionTime, as the API conventions ask.
 */
export function mergeConditions(
  previous: readonly MqttListenerStatusCondition[],
  next: readonly ConditionValue[],
  now: Date,
  generation: number,
): MqttListenerStatusCondition[] {
  return next.map((c) => {
    const before = previous.find((p) => p.type === c.type);
    const lastTransitionTime =
      before && before.status === c.status
        ? before.lastTransitionTime
        : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    return { ...c, lastTransitionTime, observedGeneration: generation };
  });
}
