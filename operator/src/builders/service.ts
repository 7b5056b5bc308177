import type { V1Service } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import type { MqttListener } from '../api/types.generated';
import { selectorLabels } from './labels';
import { childMeta, listenerRef } from './owner';
import { clientPorts } from './ports';

/** The client-facing Service. Metrics stay off it, so a LoadBalancer never exposes them. */
export function service(l: MqttListener): V1Service {
  const { service: s } = l.spec;
  const meta = childMeta(l);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: s.annotations ? { ...meta, annotations: s.annotations } : meta,
    spec: {
      type: s.type,
      selector: selectorLabels(listenerRef(l).name),
      ports: clientPorts(l.spec).map((p) => ({
        name: p.name,
        port: p.port,
        targetPort: p.name,
        protocol: 'TCP',
      })),
      ...(s.externalTrafficPolicy && { externalTrafficPolicy: s.externalTrafficPolicy }),
      ...(s.loadBalancerSourceRanges && { loadBalancerSourceRanges: s.loadBalancerSourceRanges }),
    },
  };
}
