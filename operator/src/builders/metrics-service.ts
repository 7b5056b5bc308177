import type { V1Service } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import type { MqttListener } from '../api/types.generated';
import { commonLabels, selectorLabels } from './labels';
import { childMeta, listenerRef } from './owner';
import { metricsPort } from './ports';

export const metricsServiceName = (listenerName: string): string => `${listenerName}-metrics`;

/** A ClusterIP Service for the metrics port only, for the ServiceMonitor to select; null when off. */
export function metricsService(l: MqttListener): V1Service | null {
  if (!l.spec.metrics.serviceMonitor.enabled) return null;
  const name = listenerRef(l).name;
  const meta = childMeta(l, metricsServiceName(name));
  const p = metricsPort(l.spec);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { ...meta, labels: { ...commonLabels(name), 'mqtt.adapter.dev/metrics': 'true' } },
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(name),
      ports: [{ name: p.name, port: p.port, targetPort: p.name, protocol: 'TCP' }],
    },
  };
}
