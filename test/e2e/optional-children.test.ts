import { strict as assert } from 'node:assert';
import type { KubernetesObject } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { FIELD_MANAGER } from '../../operator/src/api/names';
import type { MqttListener } from '../../operator/src/api/types.generated';
import { resourcePath } from '../../operator/src/kube/paths';
import type { RestClient } from '../../operator/src/kube/rest-client';
import { createNamespace, deleteNamespace, putSecret } from './harness/namespace';
import { children, condition, createListener, listenerPath } from './harness/objects';
import { OperatorProcess } from './harness/operator-process';
import { SERVICE_MONITOR_CRD, SERVICE_MONITOR_CRD_PATH as CRD_PATH } from './harness/service-monitor';
import { SETUP_TIMEOUT_MS, sharedControlPlane } from './harness/shared';
import { eventually } from './harness/wait';

describe('e2e: optional children (ServiceMonitor, metrics Service, PDB)', function () {
  let rest: RestClient;
  let ns: string;
  let op: OperatorProcess;
  const name = 'monitored';

  before(async function () {
    this.timeout(SETUP_TIMEOUT_MS);
    const cp = await sharedControlPlane();
    rest = cp.admin;
    ns = await createNamespace(rest, 'e2e-optional');
    await putSecret(rest, ns, 'rabbit', { uri: 'amqp://rabbitmq.example:5672' });
    op = await OperatorProcess.start(cp, { identity: 'op-optional', leaseNamespace: ns });
  });

  after(async function () {
    this.timeout(60_000);
    await op?.stop();
    if (rest && ns) await deleteNamespace(rest, ns);
    if (rest) await rest.delete(CRD_PATH).catch(() => undefined);
  });

  const get = () => rest.get<MqttListener>(listenerPath(ns, name));
  const serviceMonitor = () =>
    rest.getOrNull<KubernetesObject>(resourcePath('monitoring.coreos.com/v1', 'servicemonitors', ns, name));
  const metricsService = () =>
    rest.getOrNull<KubernetesObject>(resourcePath('v1', 'services', ns, `${name}-metrics`));
  /** A change the operator must look at: listeners are reconciled on their own events. */
  const nudge = (value: string) =>
    rest.mergePatch(listenerPath(ns, name), { metadata: { annotations: { 'e2e/nudge': value } } });

  it('applies the other children and reports Degraded when the ServiceMonitor API is missing', async () => {
    await createListener(rest, ns, name, {
      rabbitmq: { secretName: 'rabbit' },
      metrics: { serviceMonitor: { enabled: true } },
    });
    const l = await eventually('Degraded=True', async () => {
      const x = await get();
      return condition(x, 'Degraded')?.status === 'True' ? x : undefined;
    });
    assert.equal(condition(l, 'Degraded')?.reason, 'ApplyFailed');
    assert.match(condition(l, 'Degraded')?.message ?? '', /^ServiceMonitor monitored: /);
    const c = await children(rest, ns, name);
    assert.ok(c.deployment && c.service && c.pdb, 'one failing child must not stop the others');
    assert.ok(await metricsService());
  });

  it('creates the ServiceMonitor once its API exists', async function () {
    this.timeout(60_000);
    await rest.apply(CRD_PATH, SERVICE_MONITOR_CRD, FIELD_MANAGER);
    await eventually('the ServiceMonitor API', async () => {
      await rest.get(resourcePath('monitoring.coreos.com/v1', 'servicemonitors', ns));
      return true;
    });
    await nudge('1');
    const sm = await eventually('the ServiceMonitor', async () => (await serviceMonitor()) ?? undefined);
    assert.equal(sm.metadata?.ownerReferences?.[0]?.name, name);
    await eventually('Degraded=False', async () => condition(await get(), 'Degraded')?.status === 'False');
  });

  it('deletes the optional children the spec turns off', async () => {
    await rest.mergePatch(listenerPath(ns, name), {
      spec: { metrics: { serviceMonitor: { enabled: false } }, podDisruptionBudget: { enabled: false } },
    });
    await eventually('the optional children to go', async () => {
      const gone = !(await serviceMonitor()) && !(await metricsService());
      return gone && (await children(rest, ns, name)).pdb === null;
    });
    const c = await children(rest, ns, name);
    assert.ok(c.deployment && c.service);
  });
});
