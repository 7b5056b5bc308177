import { strict as assert } from 'node:assert';
import { readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeApiError } from '../../operator/src/kube/api-error';
import { loadKubeConfig } from '../../operator/src/kube/kube-config';
import { RestClient } from '../../operator/src/kube/rest-client';
import type { ControlPlane } from './harness/control-plane';
import { createNamespace, deleteNamespace, putSecret } from './harness/namespace';
import { children, createListener, listenerPath } from './harness/objects';
import { OperatorProcess } from './harness/operator-process';
import { createServiceAccount, mintToken } from './harness/service-account';
import { SETUP_TIMEOUT_MS, sharedControlPlane } from './harness/shared';
import { eventually } from './harness/wait';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';
/** Every token is written padded to this size, so a rewrite in place can leave size and mtime as they were. */
const FILE_SIZE = 4096;
const FIXED_TIME = new Date('2026-01-01T00:00:00Z');

/**
 * The operator runs as a ServiceAccount whose bound token it reads from a
 * file, as in a pod. The test replaces the token, as the kubelet does, and
 * revokes the old one by deleting the object it is bound to: the operator
 * must carry on with the new token.
 */
describe('e2e: the operator follows a rotated service-account token', function () {
  let cp: ControlPlane;
  let rest: RestClient;
  let ns: string;
  let op: OperatorProcess;
  let tokenPath: string;
  const sa = 'operator';

  /** A token bound to a Secret of its own, so deleting that Secret revokes it. */
  async function mint(holder: string): Promise<string> {
    const s = await putSecret(rest, ns, holder, { purpose: 'binds a token' });
    return mintToken(rest, ns, sa, { name: holder, uid: s.metadata?.uid ?? '' });
  }

  const padded = (token: string): string => token + '\n'.repeat(FILE_SIZE - token.length);

  /** What a token can do on its own, without the operator's file: the status code of a GET. */
  async function statusWith(token: string): Promise<number> {
    const file = join(cp.dir, `${ns}-probe-token`);
    writeFileSync(file, token);
    const { kc } = await loadKubeConfig(cp.kubeconfigWithTokenFile(`${ns}-probe`, file));
    try {
      await RestClient.fromKubeConfig(kc).get(`/api/v1/namespaces/${ns}/secrets`);
      return 200;
    } catch (err) {
      if (err instanceof KubeApiError) return err.code;
      throw err;
    }
  }

  async function revoke(holder: string, token: string): Promise<void> {
    await rest.delete(`/api/v1/namespaces/${ns}/secrets/${holder}`);
    await eventually(
      `the token bound to ${holder} to be refused`,
      async () => (await statusWith(token)) === 401,
    );
  }

  before(async function () {
    this.timeout(SETUP_TIMEOUT_MS);
    cp = await sharedControlPlane();
    rest = cp.admin;
    ns = await createNamespace(rest, 'e2e-token');
    await putSecret(rest, ns, 'rabbit', { uri: 'amqp://rabbitmq.example:5672' });
    await createServiceAccount(rest, ns, sa);
    await rest.create(`${RBAC}/clusterrolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `${ns}-operator` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: sa, namespace: ns }],
    });
    tokenPath = join(cp.dir, `${ns}-token`);
    writeFileSync(tokenPath, padded(await mint('holder-1')));
    utimesSync(tokenPath, FIXED_TIME, FIXED_TIME);
    op = await OperatorProcess.start(cp, {
      identity: 'op-token',
      leaseNamespace: ns,
      leaseDurationSeconds: 30,
      kubeconfig: cp.kubeconfigWithTokenFile(`${ns}-operator`, tokenPath),
    });
  });

  after(async function () {
    this.timeout(60_000);
    await op?.stop();
    if (rest && ns) {
      await rest.delete(`${RBAC}/clusterrolebindings/${ns}-operator`).catch(() => undefined);
      await deleteNamespace(rest, ns);
    }
  });

  const servicePort = async (): Promise<number | undefined> =>
    (await children(rest, ns, 'rotated')).service?.spec?.ports?.[0]?.port;

  it('reads the replaced token file, and keeps reconciling once the old token is revoked', async function () {
    this.timeout(120_000);
    await createListener(rest, ns, 'rotated', { rabbitmq: { secretName: 'rabbit' } });
    await eventually('the first Service', async () => (await servicePort()) === 1883);

    const first = readFileSync(tokenPath, 'utf8').trim();
    // As the kubelet replaces a projected token: a new file renamed over the old one.
    const next = join(cp.dir, `${ns}-token.next`);
    writeFileSync(next, padded(await mint('holder-2')));
    utimesSync(next, FIXED_TIME, FIXED_TIME);
    renameSync(next, tokenPath);
    await revoke('holder-1', first);

    await rest.mergePatch(listenerPath(ns, 'rotated'), { spec: { mqtt: { port: 1885 } } });
    await eventually('a reconcile with the new token', async () => (await servicePort()) === 1885, 60_000);
    assert.ok(op.proc.running, 'the operator exited');
  });

  it('reads the file again after a 401, even when the rewrite left its inode, size and mtime alone', async function () {
    this.timeout(120_000);
    const before = statSync(tokenPath);
    const second = readFileSync(tokenPath, 'utf8').trim();
    writeFileSync(tokenPath, padded(await mint('holder-3')));
    utimesSync(tokenPath, FIXED_TIME, FIXED_TIME);
    const after = statSync(tokenPath);
    assert.deepEqual([after.ino, after.size, after.mtimeMs], [before.ino, before.size, before.mtimeMs]);
    await revoke('holder-2', second);

    await rest.mergePatch(listenerPath(ns, 'rotated'), { spec: { mqtt: { port: 1886 } } });
    await eventually('a reconcile after the 401', async () => (await servicePort()) === 1886, 60_000);
    assert.ok(op.proc.running, 'the operator exited');
  });
});
