import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node' with {
  'resolution-mode': 'import',
};
import { FIELD_MANAGER } from '../api/names';
import { DEPLOYMENT, type DesiredChild } from '../builders/children';
import { isNotFound } from '../kube/api-error';
import { resourcePath } from '../kube/paths';
import type { RestClient } from '../kube/rest-client';

export interface ApplyResult {
  /** The Deployment as stored after apply, with its status. */
  readonly deployment?: V1Deployment;
  /** Children that could not be applied, as `Kind name: message`. */
  readonly failures: string[];
}

/**
 * Applies each desired child in order with server-side apply, and deletes the
 * optional ones the spec turned off, but only when this listener controls them.
 * One failing child (say, no ServiceMonitor CRD installed) does not stop the others.
 */
export async function applyChildren(
  rest: RestClient,
  namespace: string,
  ownerUid: string,
  children: readonly DesiredChild[],
): Promise<ApplyResult> {
  const failures: string[] = [];
  let deployment: V1Deployment | undefined;
  for (const c of children) {
    const path = resourcePath(c.type.apiVersion, c.type.plural, namespace, c.name);
    try {
      if (c.object) {
        const stored = await rest.apply<KubernetesObject>(path, c.object, FIELD_MANAGER);
        if (c.type === DEPLOYMENT) deployment = stored;
      } else {
        await deleteIfOwned(rest, path, ownerUid);
      }
    } catch (err) {
      failures.push(`${c.type.kind} ${c.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { ...(deployment && { deployment }), failures };
}

async function deleteIfOwned(rest: RestClient, path: string, ownerUid: string): Promise<void> {
  let existing: KubernetesObject | null;
  try {
    existing = await rest.getOrNull<KubernetesObject>(path);
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  if (!existing?.metadata?.ownerReferences?.some((o) => o.uid === ownerUid && o.controller)) return;
  try {
    await rest.delete(path);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
