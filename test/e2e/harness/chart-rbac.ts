import type { RestClient } from '../../../operator/src/kube/rest-client';
import { Helm } from './helm';
import { CHART_NAMESPACE, OPERATOR_USER } from './shared';

const V1 = 'rbac.authorization.k8s.io/v1';
const RBAC = `/apis/${V1}`;

/**
 * Grants OPERATOR_USER exactly the rules the chart renders for the operator
 * (its ClusterRole, and its Lease Role in `leaseNamespace`), under names of the
 * caller's own, so a suite can run the operator with the chart's RBAC without
 * installing the chart. Returns the undo, which deletes the cluster-scoped grants.
 */
export async function grantChartRbac(
  rest: RestClient,
  prefix: string,
  leaseNamespace: string,
): Promise<() => Promise<void>> {
  const helm = await Helm.create();
  let docs;
  try {
    docs = await helm.template(CHART_NAMESPACE);
  } finally {
    helm.dispose();
  }
  const cluster = docs.find((d) => d.kind === 'ClusterRole' && d.metadata.name === 'mqtt-adapter-operator');
  const lease = docs.find((d) => d.kind === 'Role');
  if (!cluster?.rules || !lease?.rules) throw new Error('the chart renders no operator ClusterRole or Role');
  const subjects = [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: OPERATOR_USER }];
  const name = `${prefix}-operator`;
  const ref = (kind: string) => ({ apiGroup: 'rbac.authorization.k8s.io', kind, name });
  const undo = async (): Promise<void> => {
    await rest.delete(`${RBAC}/clusterrolebindings/${name}`).catch(() => undefined);
    await rest.delete(`${RBAC}/clusterroles/${name}`).catch(() => undefined);
  };
  try {
    await rest.create(`${RBAC}/clusterroles`, {
      apiVersion: V1,
      kind: 'ClusterRole',
      metadata: { name },
      rules: cluster.rules,
    });
    await rest.create(`${RBAC}/clusterrolebindings`, {
      apiVersion: V1,
      kind: 'ClusterRoleBinding',
      metadata: { name },
      roleRef: ref('ClusterRole'),
      subjects,
    });
    const ns = `${RBAC}/namespaces/${leaseNamespace}`;
    await rest.create(`${ns}/roles`, {
      apiVersion: V1,
      kind: 'Role',
      metadata: { name },
      rules: lease.rules,
    });
    await rest.create(`${ns}/rolebindings`, {
      apiVersion: V1,
      kind: 'RoleBinding',
      metadata: { name },
      roleRef: ref('Role'),
      subjects,
    });
  } catch (err) {
    await undo();
    throw err;
  }
  return undo;
}
