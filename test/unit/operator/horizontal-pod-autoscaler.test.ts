import { strict as assert } from 'node:assert';
import { desiredChildren, HPA } from '../../../operator/src/builders/children';
import { horizontalPodAutoscaler } from '../../../operator/src/builders/horizontal-pod-autoscaler';
import { inputs, listener } from './listener-fixture';

const scaled = (autoscaling: Record<string, unknown>) =>
  listener({ redis: { secretName: 'r' }, resources: { requests: { cpu: '250m' } }, autoscaling });

describe('operator: HorizontalPodAutoscaler builder', () => {
  it('is absent without spec.autoscaling, and then deleted as an optional child', () => {
    assert.equal(horizontalPodAutoscaler(listener()), null);
    const child = desiredChildren(listener(), inputs).find((c) => c.type === HPA)!;
    assert.deepEqual([child.name, child.object], ['demo', null]);
  });

  it('scales the listener through its scale subresource, not the Deployment the operator writes', () => {
    const h = horizontalPodAutoscaler(scaled({ maxReplicas: 5, targetCPUUtilizationPercentage: 70 }))!;
    assert.equal(h.apiVersion, 'autoscaling/v2');
    assert.deepEqual(h.spec?.scaleTargetRef, {
      apiVersion: 'mqtt.adapter.dev/v1alpha1',
      kind: 'MqttListener',
      name: 'demo',
    });
    assert.equal(h.spec?.minReplicas, 1);
    assert.equal(h.spec?.maxReplicas, 5);
    assert.equal(h.metadata?.ownerReferences?.[0]?.uid, 'uid-1');
    assert.equal(h.metadata?.labels?.['app.kubernetes.io/managed-by'], 'mqtt-adapter-operator');
  });

  it("targets the adapter container's CPU, so a sidecar without a CPU request does not void it", () => {
    const h = horizontalPodAutoscaler(scaled({ maxReplicas: 5, targetCPUUtilizationPercentage: 70 }))!;
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
  });

  it('targets connections per pod with the Pods metric mqtt_adapter_connections, beside CPU or alone', () => {
    const both = horizontalPodAutoscaler(
      scaled({
        minReplicas: 2,
        maxReplicas: 8,
        targetCPUUtilizationPercentage: 70,
        targetConnectionsPerPod: 5000,
      }),
    )!;
    assert.deepEqual(
      both.spec?.metrics?.map((m) => m.type),
      ['ContainerResource', 'Pods'],
    );
    const alone = horizontalPodAutoscaler(scaled({ maxReplicas: 8, targetConnectionsPerPod: 5000 }))!;
    assert.deepEqual(alone.spec?.metrics, [
      {
        type: 'Pods',
        pods: {
          metric: { name: 'mqtt_adapter_connections' },
          target: { type: 'AverageValue', averageValue: '5000' },
        },
      },
    ]);
  });

  it('leaves the Deployment replicas to spec.replicas, the field the HPA scales', () => {
    const l = scaled({ maxReplicas: 8, targetConnectionsPerPod: 5000 });
    l.spec.replicas = 4;
    const d = desiredChildren(l, inputs).find((c) => c.type.kind === 'Deployment')!;
    assert.equal((d.object as { spec: { replicas: number } }).spec.replicas, 4);
  });
});
