import type { V2HorizontalPodAutoscaler, V2MetricSpec } from '@kubernetes/client-node' with {
  'resolution-mode': 'import',
};
import { API_VERSION, KIND } from '../api/names';
import type { MqttListener, MqttListenerSpecAutoscaling } from '../api/types.generated';
import { childMeta, listenerRef } from './owner';

/** The adapter's gauge of open MQTT connections, served per pod by a custom metrics API. */
export const CONNECTIONS_METRIC = 'mqtt_adapter_connections';

/**
 * An autoscaling/v2 HPA on the listener's scale subresource, null without
 * spec.autoscaling. The listener rather than its Deployment: the HPA then
 * writes spec.replicas, the one number the operator copies to the Deployment,
 * so the two never undo each other, and the CRD's rules (more than one replica
 * needs Redis) hold for the HPA as for kubectl scale.
 */
export function horizontalPodAutoscaler(l: MqttListener): V2HorizontalPodAutoscaler | null {
  const a = l.spec.autoscaling;
  if (!a) return null;
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: childMeta(l),
    spec: {
      scaleTargetRef: { apiVersion: API_VERSION, kind: KIND, name: listenerRef(l).name },
      minReplicas: a.minReplicas,
      maxReplicas: a.maxReplicas,
      metrics: metrics(a),
    },
  };
}

function metrics(a: MqttListenerSpecAutoscaling): V2MetricSpec[] {
  const out: V2MetricSpec[] = [];
  if (a.targetCPUUtilizationPercentage !== undefined)
    // The adapter container's CPU alone: a sidecar without a CPU request would otherwise void the utilization.
    out.push({
      type: 'ContainerResource',
      containerResource: {
        name: 'cpu',
        container: 'adapter',
        target: { type: 'Utilization', averageUtilization: a.targetCPUUtilizationPercentage },
      },
    });
  if (a.targetConnectionsPerPod !== undefined)
    out.push({
      type: 'Pods',
      pods: {
        metric: { name: CONNECTIONS_METRIC },
        target: { type: 'AverageValue', averageValue: String(a.targetConnectionsPerPod) },
      },
    });
  return out;
}
