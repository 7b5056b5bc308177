import type { ConditionValue, Observation } from '../observation';

/** Degraded: something the operator cannot fix by itself needs a human (bad reference, stuck rollout). */
export function degradedCondition(o: Observation): ConditionValue {
  if (o.failure)
    return { type: 'Degraded', status: 'True', reason: o.failure.reason, message: o.failure.message };
  const stuck = o.deployment?.status?.conditions?.find(
    (c) =>
      (c.type === 'Progressing' && c.status === 'False' && c.reason === 'ProgressDeadlineExceeded') ||
      (c.type === 'ReplicaFailure' && c.status === 'True'),
  );
  if (stuck) {
    return {
      type: 'Degraded',
      status: 'True',
      reason: stuck.reason ?? stuck.type,
      message: stuck.message ?? '',
    };
  }
  return { type: 'Degraded', status: 'False', reason: 'AsExpected', message: '' };
}
