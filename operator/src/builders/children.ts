import type { KubernetesObject } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import type { MqttListener } from '../api/types.generated';
import { deployment } from './deployment';
import { horizontalPodAutoscaler } from './horizontal-pod-autoscaler';
import { metricsService } from './metrics-service';
import { podDisruptionBudget } from './pod-disruption-budget';
import type { PodInputs } from './pod-template';
import { service } from './service';
import { serviceMonitor } from './service-monitor';

/** Identifies a kind of child: what the reconciler applies, or deletes when the spec turns it off. */
export interface ChildKind {
  readonly apiVersion: string;
  readonly kind: string;
  readonly plural: string;
}

export interface DesiredChild {
  readonly type: ChildKind;
  /** The name the child has when present; needed to delete it when `object` is null. */
  readonly name: string;
  readonly object: KubernetesObject | null;
}

export const DEPLOYMENT: ChildKind = { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments' };
export const SERVICE: ChildKind = { apiVersion: 'v1', kind: 'Service', plural: 'services' };
export const PDB: ChildKind = {
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  plural: 'poddisruptionbudgets',
};
export const HPA: ChildKind = {
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  plural: 'horizontalpodautoscalers',
};
export const SERVICE_MONITOR: ChildKind = {
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'ServiceMonitor',
  plural: 'servicemonitors',
};

/**
 * Every child of a listener, in the order they are applied: Services first so
 * endpoints exist when pods turn ready, the Deployment, then what guards, scales or
 * watches the pods. Optional children come with a null object when disabled.
 */
export function desiredChildren(l: MqttListener, inputs: PodInputs): DesiredChild[] {
  const name = l.metadata?.name ?? '';
  const metrics = metricsService(l);
  return [
    { type: SERVICE, name, object: service(l) },
    { type: SERVICE, name: `${name}-metrics`, object: metrics },
    { type: DEPLOYMENT, name, object: deployment(l, inputs) },
    { type: PDB, name, object: podDisruptionBudget(l) },
    { type: HPA, name, object: horizontalPodAutoscaler(l) },
    { type: SERVICE_MONITOR, name, object: serviceMonitor(l) },
  ];
}
