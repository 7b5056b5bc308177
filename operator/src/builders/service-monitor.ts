import type { KubernetesObject } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import type { MqttListener } from '../api/types.generated';
import { selectorLabels } from './labels';
import { childMeta, listenerRef } from './owner';

/** A Prometheus Operator ServiceMonitor (monitoring.coreos.com/v1); no client types exist for it. */
export interface ServiceMonitor extends KubernetesObject {
  spec: {
    selector: { matchLabels: Record<string, string> };
    endpoints: { port: string; path: string; interval: string }[];
  };
}

export function serviceMonitor(l: MqttListener): ServiceMonitor | null {
  const sm = l.spec.metrics.serviceMonitor;
  if (!sm.enabled) return null;
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: childMeta(l),
    spec: {
      selector: {
        matchLabels: { ...selectorLabels(listenerRef(l).name), 'mqtt.adapter.dev/metrics': 'true' },
      },
      endpoints: [{ port: 'metrics', path: '/metrics', interval: sm.interval }],
    },
  };
}
