import { randomBytes } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { resourcePath } from '../../../operator/src/kube/paths';
import type { RestClient } from '../../../operator/src/kube/rest-client';

/** A fresh namespace per suite, so suites share one API server and still run in any order. */
export async function createNamespace(rest: RestClient, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await rest.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}

export async function deleteNamespace(rest: RestClient, name: string): Promise<void> {
  await rest.delete(`/api/v1/namespaces/${name}`).catch(() => undefined);
}

export function putSecret(
  rest: RestClient,
  namespace: string,
  name: string,
  data: Record<string, string>,
): Promise<V1Secret> {
  const body = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
  return rest.apply<V1Secret>(resourcePath('v1', 'secrets', namespace, name), body, 'e2e-test');
}
