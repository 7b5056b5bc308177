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

/** spec.override.serviceMonitor adds labels (say, the one a Prometheus selects on) and goes over the interval. */
export function serviceMonitor(l: MqttListener): ServiceMonitor | null {
  const sm = l.spec.metrics.serviceMonitor;
  if (!sm.enabled) return null;
  const o = l.spec.override?.serviceMonitor ?? {};
  const meta = childMeta(l);
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { ...meta, labels: { ...o.labels, ...meta.labels } },
    spec: {
      selector: {
        matchLabels: { ...selectorLabels(listenerRef(l).name), 'mqtt.adapter.dev/metrics': 'true' },
      },
      endpoints: [{ port: 'metrics', path: '/metrics', interval: o.interval ?? sm.interval }],
    },
  };
}
