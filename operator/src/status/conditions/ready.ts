import type { ConditionValue, Observation } from '../observation';

/** Ready: every desired pod is ready to serve clients. */
export function readyCondition(o: Observation): ConditionValue {
  const ready = o.deployment?.status?.readyReplicas ?? 0;
  if (!o.deployment) {
    return {
      type: 'Ready',
      status: 'False',
      reason: 'DeploymentMissing',
      message: 'the adapter Deployment does not exist yet',
    };
  }
  if (o.desiredReplicas === 0) {
    return { type: 'Ready', status: 'False', reason: 'ScaledToZero', message: 'spec.replicas is 0' };
  }
  if (ready >= o.desiredReplicas) {
    return {
      type: 'Ready',
      status: 'True',
      reason: 'AllReplicasReady',
      message: `${ready} of ${o.desiredReplicas} pods ready`,
    };
  }
  return {
    type: 'Ready',
    status: 'False',
    reason: 'ReplicasNotReady',
    message: `${ready} of ${o.desiredReplicas} pods ready`,
  };
}
