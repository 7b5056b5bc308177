import type {
  KubernetesObject,
  V1Deployment,
  V1PodDisruptionBudget,
  V1Service,
} from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { API_VERSION, PLURAL } from '../../../operator/src/api/names';
import type { MqttListener } from '../../../operator/src/api/types.generated';
import { resourcePath } from '../../../operator/src/kube/paths';
import type { RestClient } from '../../../operator/src/kube/rest-client';

export const listenerPath = (ns: string, name: string): string => resourcePath(API_VERSION, PLURAL, ns, name);

export function createListener(
  rest: RestClient,
  ns: string,
  name: string,
  spec: Record<string, unknown>,
): Promise<MqttListener> {
  const body = { apiVersion: API_VERSION, kind: 'MqttListener', metadata: { name, namespace: ns }, spec };
  return rest.create<MqttListener>(resourcePath(API_VERSION, PLURAL, ns), body);
}

/** The children the operator writes, or null where absent. */
export async function children(rest: RestClient, ns: string, name: string) {
  return {
    deployment: await rest.getOrNull<V1Deployment>(resourcePath('apps/v1', 'deployments', ns, name)),
    service: await rest.getOrNull<V1Service>(resourcePath('v1', 'services', ns, name)),
    pdb: await rest.getOrNull<V1PodDisruptionBudget>(
      resourcePath('policy/v1', 'poddisruptionbudgets', ns, name),
    ),
  };
}

export const condition = (l: MqttListener, type: string) =>
  l.status?.conditions?.find((c) => c.type === type);

export async function listNames(rest: RestClient, path: string): Promise<string[]> {
  const list = await rest.get<{ items: KubernetesObject[] }>(path);
  return list.items.map((i) => i.metadata?.name ?? '');
}
