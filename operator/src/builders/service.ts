import type { V1Service } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import type { MqttListener } from '../api/types.generated';
import { selectorLabels } from './labels';
import { childMeta, listenerRef } from './owner';
import { clientPorts } from './ports';

/**
 * The client-facing Service. Metrics stay off it, so a LoadBalancer never
 * exposes them. spec.override.service goes over spec.service: its annotations
 * over service.annotations, its externalTrafficPolicy over the other; its
 * labels add to the operator's, which stay (the operator's informers select on them).
 */
export function service(l: MqttListener): V1Service {
  const { service: s, override } = l.spec;
  const o = override?.service ?? {};
  const meta = childMeta(l);
  const annotations = { ...s.annotations, ...o.annotations };
  const trafficPolicy = o.externalTrafficPolicy ?? s.externalTrafficPolicy;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      ...meta,
      labels: { ...o.labels, ...meta.labels },
      ...(Object.keys(annotations).length > 0 && { annotations }),
    },
    spec: {
      type: s.type,
      selector: selectorLabels(listenerRef(l).name),
      ports: clientPorts(l.spec).map((p) => {
        const nodePort = o.nodePorts?.[p.name as keyof typeof o.nodePorts];
        return {
          name: p.name,
          port: p.port,
          targetPort: p.name,
          protocol: 'TCP',
          ...(nodePort !== undefined && s.type !== 'ClusterIP' && { nodePort }),
        };
      }),
      ...(trafficPolicy && { externalTrafficPolicy: trafficPolicy }),
      ...(s.loadBalancerSourceRanges && { loadBalancerSourceRanges: s.loadBalancerSourceRanges }),
      ...(o.loadBalancerClass && s.type === 'LoadBalancer' && { loadBalancerClass: o.loadBalancerClass }),
    },
  };
}
