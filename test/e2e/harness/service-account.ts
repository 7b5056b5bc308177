import type { RestClient } from '../../../operator/src/kube/rest-client';

export async function createServiceAccount(rest: RestClient, namespace: string, name: string): Promise<void> {
  await rest.create(`/api/v1/namespaces/${namespace}/serviceaccounts`, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name },
  });
}

/**
 * A bound token of the ServiceAccount from the TokenRequest API, as the
 * kubelet gets for a pod; bound to `boundSecret` (name and uid), it is revoked
 * when that Secret is deleted.
 */
export async function mintToken(
  rest: RestClient,
  namespace: string,
  serviceAccount: string,
  boundSecret?: { name: string; uid: string },
): Promise<string> {
  const tr = await rest.create<{ status: { token: string } }>(
    `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`,
    {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {
        expirationSeconds: 3600,
        ...(boundSecret && { boundObjectRef: { apiVersion: 'v1', kind: 'Secret', ...boundSecret } }),
      },
    },
  );
  return tr.status.token;
}
