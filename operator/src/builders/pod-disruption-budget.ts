import type { V1PodDisruptionBudget } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import type { MqttListener } from '../api/types.generated';
import { selectorLabels } from './labels';
import { childMeta, listenerRef } from './owner';

/** Null when disabled: the reconciler then deletes a PDB it made before. */
export function podDisruptionBudget(l: MqttListener): V1PodDisruptionBudget | null {
  const pdb = l.spec.podDisruptionBudget;
  if (!pdb.enabled) return null;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: childMeta(l),
    spec: {
      maxUnavailable: pdb.maxUnavailable,
      selector: { matchLabels: selectorLabels(listenerRef(l).name) },
    },
  };
}
