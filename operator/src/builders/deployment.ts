import type { V1Deployment } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import type { MqttListener } from '../api/types.generated';
import { selectorLabels } from './labels';
import { childMeta, listenerRef } from './owner';
import { podTemplate, type PodInputs } from './pod-template';

export function deployment(l: MqttListener, inputs: PodInputs): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: childMeta(l),
    spec: {
      replicas: l.spec.replicas,
      selector: { matchLabels: selectorLabels(listenerRef(l).name) },
      // Surge instead of taking pods away: clients reconnect to the new pod as old ones drain.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: podTemplate(l, inputs),
    },
  };
}
