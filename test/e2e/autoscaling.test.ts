import { strict as assert } from 'node:assert';
import type { V1Deployment, V2HorizontalPodAutoscaler } from '@kubernetes/client-node' with {
  'resolution-mode': 'import',
};
import { FIELD_MANAGER } from '../../operator/src/api/names';
import type { MqttListener } from '../../operator/src/api/types.generated';
import { resourcePath } from '../../operator/src/kube/paths';
import type { ControlPlane } from './harness/control-plane';
import { ChartOperator } from './harness/chart-operator';
import { children, createListener, listenerPath } from './harness/objects';
import type { OperatorProcess } from './harness/operator-process';
import { SETUP_TIMEOUT_MS, sharedControlPlane } from './harness/shared';
import { eventually } from './harness/wait';

interface ManagedField {
  manager: string;
  operation: string;
  subresource?: string;
  fieldsV1?: { 'f:spec'?: Record<string, unknown> };
}

const managersOf = (o: { metadata?: { managedFields?: unknown } }, field: string): ManagedField[] =>
  ((o.metadata?.managedFields ?? []) as ManagedField[]).filter((m) => m.fieldsV1?.['f:spec']?.[field]);

describe('e2e: spec.autoscaling (an HPA on the listener, under the chart RBAC)', function () {
  let cp: ControlPlane;
  let ns: string;
  let op: OperatorProcess | undefined;
  let chart: ChartOperator | undefined;
  const name = 'scaled';

  before(async function () {
    this.timeout(SETUP_TIMEOUT_MS);
    cp = await sharedControlPlane();
    // As the chart's ServiceAccount: an HPA verb the chart forgot fails this suite.
    chart = await ChartOperator.start(cp, 'e2e-autoscaling', 'op-autoscaling');
    ({ ns, op } = chart);
  });

  after(async function () {
    this.timeout(60_000);
    await chart?.stop();
  });

  const hpaPath = () => resourcePath('autoscaling/v2', 'horizontalpodautoscalers', ns, name);
  const hpa = () => cp.admin.getOrNull<V2HorizontalPodAutoscaler>(hpaPath());
  const listener = () => cp.admin.get<MqttListener>(listenerPath(ns, name));
  const deployment = async (): Promise<V1Deployment | undefined> =>
    (await children(cp.admin, ns, name)).deployment ?? undefined;

  it('creates the HPA with the spec, aimed at the listener through its scale subresource', async function () {
    this.timeout(60_000);
    await createListener(cp.admin, ns, name, {
      rabbitmq: { secretName: 'rabbit' },
      redis: { secretName: 'redis' },
      resources: { requests: { cpu: '250m' } },
      autoscaling: { minReplicas: 2, maxReplicas: 4, targetCPUUtilizationPercentage: 70 },
    });
    const h = await eventually('the HPA', async () => (await hpa()) ?? undefined);
    assert.deepEqual(h.spec?.scaleTargetRef, {
      apiVersion: 'mqtt.adapter.dev/v1alpha1',
      kind: 'MqttListener',
      name,
    });
    assert.equal(h.spec?.minReplicas, 2);
    assert.equal(h.spec?.maxReplicas, 4);
    assert.deepEqual(h.spec?.metrics, [
      {
        type: 'ContainerResource',
        containerResource: {
          name: 'cpu',
          container: 'adapter',
          target: { type: 'Utilization', averageUtilization: 70 },
        },
      },
    ]);
    assert.equal(h.metadata?.ownerReferences?.[0]?.name, name);
  });

  it('lets the HPA scale the listener, and the operator carries its replicas to the Deployment without undoing them', async function () {
    this.timeout(90_000);
    // The real HPA controller raises spec.replicas (1 by default) to minReplicas through /scale.
    await eventually(
      'the HPA to scale the listener and the operator to follow',
      async () => (await listener()).spec.replicas === 2 && (await deployment())?.spec?.replicas === 2,
      60_000,
    );
    // A spec change makes the operator reconcile again; it must leave the HPA's replicas be.
    await cp.admin.mergePatch(listenerPath(ns, name), { spec: { logLevel: 'debug' } });
    await eventually('the operator to reconcile the change', async () => {
      const l = await listener();
      return l.status?.observedGeneration === l.metadata?.generation;
    });
    assert.equal((await listener()).spec.replicas, 2);
    const d = (await deployment())!;
    assert.equal(d.spec?.replicas, 2);
    // One writer of the Deployment's replicas (the operator's apply); on the listener, the HPA's scale update.
    assert.deepEqual(
      managersOf(d, 'f:replicas').map((m) => [m.manager, m.operation]),
      [[FIELD_MANAGER, 'Apply']],
    );
    const scaler = managersOf(await listener(), 'f:replicas');
    assert.ok(
      scaler.some((m) => m.subresource === 'scale' && m.operation === 'Update'),
      `spec.replicas managers: ${JSON.stringify(scaler)}`,
    );
  });

  it('updates the HPA with the spec: bounds, and the connections target alone', async function () {
    this.timeout(60_000);
    await cp.admin.mergePatch(listenerPath(ns, name), {
      spec: {
        autoscaling: { maxReplicas: 3, targetCPUUtilizationPercentage: null, targetConnectionsPerPod: 1000 },
      },
    });
    const h = await eventually('the HPA to change', async () => {
      const x = await hpa();
      return x?.spec?.maxReplicas === 3 ? x : undefined;
    });
    assert.equal(h.spec?.minReplicas, 2);
    assert.deepEqual(h.spec?.metrics, [
      {
        type: 'Pods',
        pods: {
          metric: { name: 'mqtt_adapter_connections' },
          target: { type: 'AverageValue', averageValue: '1k' },
        },
      },
    ]);
  });

  it('removes the HPA with autoscaling, leaving the replicas where the HPA put them', async function () {
    this.timeout(60_000);
    await cp.admin.mergePatch(listenerPath(ns, name), { spec: { autoscaling: null } });
    await eventually('the HPA to go', async () => (await hpa()) === null);
    assert.equal((await listener()).spec.replicas, 2);
    assert.equal((await deployment())?.spec?.replicas, 2);
    assert.doesNotMatch(op!.proc.log(), /cannot \w+ resource/, 'the operator hit an RBAC denial');
  });

  it('refuses autoscaling the schema cannot honour', async () => {
    const base = { rabbitmq: { secretName: 'rabbit' } };
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { ...base, autoscaling: { maxReplicas: 3, targetConnectionsPerPod: 10 } },
        /autoscaling above one replica needs spec\.redis/,
      ],
      [
        {
          ...base,
          redis: { secretName: 'r' },
          autoscaling: { minReplicas: 3, maxReplicas: 2, targetConnectionsPerPod: 10 },
        },
        /minReplicas must not exceed autoscaling\.maxReplicas/,
      ],
      [
        { ...base, autoscaling: { maxReplicas: 1 } },
        /needs targetCPUUtilizationPercentage, targetConnectionsPerPod or both/,
      ],
      [
        { ...base, autoscaling: { maxReplicas: 1, targetCPUUtilizationPercentage: 50 } },
        /targetCPUUtilizationPercentage needs resources\.requests\.cpu/,
      ],
      [
        { ...base, autoscaling: { minReplicas: 1, targetConnectionsPerPod: 10 } },
        /maxReplicas: Required value/,
      ],
    ];
    for (const [spec, message] of cases) {
      const err = await createListener(cp.admin, ns, 'refused', spec).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof Error, `accepted ${JSON.stringify(spec)}`);
      assert.match(err.message, message);
    }
  });
});
