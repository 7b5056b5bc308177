import { rolloutPending, type ConditionValue, type Observation } from '../observation';

/** Progressing: pods are being created or replaced to match the spec. */
export function progressingCondition(o: Observation): ConditionValue {
  const d = o.deployment;
  if (!d) {
    return o.failure
      ? { type: 'Progressing', status: 'False', reason: 'Blocked', message: o.failure.message }
      : {
          type: 'Progressing',
          status: 'True',
          reason: 'Creating',
          message: 'creating the adapter Deployment',
        };
  }
  if (rolloutPending(d, o.desiredReplicas)) {
    const updated = d.status?.updatedReplicas ?? 0;
    return {
      type: 'Progressing',
      status: 'True',
      reason: 'RollingOut',
      message: `${updated} of ${o.desiredReplicas} pods run the current template`,
    };
  }
  return {
    type: 'Progressing',
    status: 'False',
    reason: 'RolloutComplete',
    message: 'all pods run the current template',
  };
}
