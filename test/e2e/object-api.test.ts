import { strict as assert } from 'node:assert';
import type { V1Deployment } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { KubeApiError } from '../../operator/src/kube/api-error';
import { clientNode } from '../../operator/src/kube/client-node';
import { loadKubeConfig } from '../../operator/src/kube/kube-config';
import { resourcePath } from '../../operator/src/kube/paths';
import type { RestClient } from '../../operator/src/kube/rest-client';
import { createNamespace, deleteNamespace } from './harness/namespace';
import { SETUP_TIMEOUT_MS, sharedControlPlane } from './harness/shared';

/**
 * Why the operator applies objects with its own JSON client and not with
 * client-node's KubernetesObjectApi.patch: the library passes the object
 * through its typed models, which drop what they do not know, without a word.
 * A listener's spec carries Kubernetes objects through (sidecars, volumes,
 * tolerations, affinity); a field misspelled there must come back to the user
 * as the API server's refusal, not vanish from the pods.
 */
describe('e2e: server-side apply, own client against client-node KubernetesObjectApi', function () {
  let rest: RestClient;
  let ns: string;

  before(async function () {
    this.timeout(SETUP_TIMEOUT_MS);
    rest = (await sharedControlPlane()).admin;
    ns = await createNamespace(rest, 'e2e-objapi');
  });

  after(async function () {
    this.timeout(60_000);
    if (rest && ns) await deleteNamespace(rest, ns);
  });

  const deployment = (name: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          // As a sidecar from spec.override.pod.sidecars would come, with a typo.
          containers: [{ name: 'sidecar', image: 'busybox', imagePullPolicyy: 'Always' }],
        },
      },
    },
  });

  it("the operator's client gets the refusal of a field Kubernetes does not know", async () => {
    await assert.rejects(
      rest.apply(resourcePath('apps/v1', 'deployments', ns, 'own'), deployment('own'), 'e2e-test'),
      (err: unknown) => err instanceof KubeApiError && /imagePullPolicyy/.test(err.message),
    );
  });

  it('KubernetesObjectApi.patch drops that field and applies the rest, silently', async () => {
    const k8s = await clientNode();
    const { kc } = await loadKubeConfig((await sharedControlPlane()).kubeconfig);
    const api = k8s.KubernetesObjectApi.makeApiClient(kc);
    await api.patch(
      deployment('library'),
      undefined,
      undefined,
      'e2e-test',
      true,
      k8s.PatchStrategy.ServerSideApply,
    );
    const stored = await rest.get<V1Deployment>(resourcePath('apps/v1', 'deployments', ns, 'library'));
    const c = stored.spec?.template.spec?.containers[0] as Record<string, unknown> | undefined;
    assert.equal(c?.name, 'sidecar');
    assert.equal(c?.imagePullPolicyy, undefined);
  });
});
