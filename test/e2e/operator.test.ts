import { strict as assert } from 'node:assert';
import type { V1Pod, V1ReplicaSet } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { SECRET_HASH_ANNOTATION } from '../../operator/src/api/names';
import type { MqttListener } from '../../operator/src/api/types.generated';
import { resourcePath } from '../../operator/src/kube/paths';
import type { RestClient } from '../../operator/src/kube/rest-client';
import type { ControlPlane } from './harness/control-plane';
import { kubectl } from './harness/kubectl';
import { createNamespace, deleteNamespace, putSecret } from './harness/namespace';
import { children, condition, createListener, listenerPath } from './harness/objects';
import { OperatorProcess } from './harness/operator-process';
import { SETUP_TIMEOUT_MS, sharedControlPlane } from './harness/shared';
import { eventually } from './harness/wait';

describe('e2e: operator against a real kube-apiserver', function () {
  let cp: ControlPlane;
  let rest: RestClient;
  let ns: string;
  let op: OperatorProcess;
  const name = 'fleet';

  before(async function () {
    this.timeout(SETUP_TIMEOUT_MS);
    cp = await sharedControlPlane();
    rest = cp.admin;
    ns = await createNamespace(rest, 'e2e-op');
    await putSecret(rest, ns, 'rabbit', { uri: 'amqp://rabbitmq.example:5672' });
    await putSecret(rest, ns, 'redis', { url: 'redis://redis.example:6379' });
    op = await OperatorProcess.start(cp, { identity: 'op-main', leaseNamespace: ns });
  });

  after(async function () {
    this.timeout(60_000);
    await op?.stop();
    if (rest && ns) await deleteNamespace(rest, ns);
  });

  const getListener = () => rest.get<MqttListener>(listenerPath(ns, name));
  const deploymentOf = async () => (await children(rest, ns, name)).deployment;

  it('creates the Deployment, Service and PodDisruptionBudget, owned by the listener', async () => {
    const l = await createListener(rest, ns, name, {
      replicas: 2,
      rabbitmq: { secretName: 'rabbit' },
      redis: { secretName: 'redis' },
    });
    const c = await eventually('children', async () => {
      const x = await children(rest, ns, name);
      return x.deployment && x.service && x.pdb ? x : undefined;
    });
    for (const obj of [c.deployment!, c.service!, c.pdb!]) {
      const owner = obj.metadata?.ownerReferences?.[0];
      assert.equal(owner?.uid, l.metadata?.uid);
      assert.equal(owner?.controller, true);
    }
    assert.equal(c.deployment!.spec?.replicas, 2);
    const env = c.deployment!.spec?.template.spec?.containers[0]?.env ?? [];
    assert.equal(env.find((e) => e.name === 'MQTT_ADAPTER_STORE')?.value, 'redis');
    assert.equal(
      env.find((e) => e.name === 'MQTT_ADAPTER_AMQP_URL_FILE')?.value,
      '/etc/mqtt-adapter/rabbitmq/uri',
    );
    assert.deepEqual(
      c.service!.spec?.ports?.map((p) => [p.name, p.port]),
      [['mqtt', 1883]],
    );
    assert.equal(c.pdb!.spec?.maxUnavailable, 1);
    // The real Deployment controller runs: a ReplicaSet and (Pending) pods appear.
    await eventually('a ReplicaSet from kube-controller-manager', async () => {
      const rs = await rest.get<{ items: unknown[] }>(resourcePath('apps/v1', 'replicasets', ns));
      return rs.items.length > 0;
    });
  });

  it('reports status with the selector, generation and conditions', async () => {
    const l = await eventually('status', async () => {
      const x = await getListener();
      return x.status?.observedGeneration === x.metadata?.generation && x.status?.conditions?.length
        ? x
        : undefined;
    });
    assert.equal(l.status?.selector, 'app.kubernetes.io/name=mqtt-adapter,app.kubernetes.io/instance=fleet');
    assert.equal(condition(l, 'Ready')?.status, 'False');
    assert.equal(condition(l, 'Degraded')?.status, 'False');
  });

  it('changes the children when the spec changes', async () => {
    await rest.mergePatch(listenerPath(ns, name), {
      spec: { mqtt: { port: 1884 }, webSocket: { enabled: true } },
    });
    const svc = await eventually('the Service to follow the spec', async () => {
      const s = (await children(rest, ns, name)).service;
      return s?.spec?.ports?.length === 2 ? s : undefined;
    });
    assert.deepEqual(
      svc.spec?.ports?.map((p) => [p.name, p.port]),
      [
        ['mqtt', 1884],
        ['ws', 8080],
      ],
    );
    const d = (await deploymentOf())!;
    const env = d.spec?.template.spec?.containers[0]?.env ?? [];
    assert.equal(env.find((e) => e.name === 'MQTT_ADAPTER_MQTT_PORT')?.value, '1884');
    assert.equal(env.find((e) => e.name === 'MQTT_ADAPTER_WS_ENABLED')?.value, 'true');
  });

  it('leaves the uid to the platform for spec.podSecurityContext {} and takes image parts, then goes back', async () => {
    const pod = async () => (await deploymentOf())?.spec?.template.spec;
    await rest.mergePatch(listenerPath(ns, name), {
      spec: { podSecurityContext: {}, image: { registry: 'registry.local:5000', tag: '9.9.9' } },
    });
    const openshift = await eventually('the uid to go from the pod template', async () => {
      const p = await pod();
      return p?.securityContext?.runAsUser === undefined ? p : undefined;
    });
    // Server-side apply drops the fields the operator no longer sets; the restricted pair stays.
    assert.deepEqual(openshift.securityContext, {
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    assert.equal(openshift.containers[0].image, 'registry.local:5000/mqtt-adapter:9.9.9');
    await rest.mergePatch(listenerPath(ns, name), { spec: { podSecurityContext: null, image: null } });
    const back = await eventually('the fixed uid to come back', async () => {
      const p = await pod();
      return p?.securityContext?.runAsUser === 65532 ? p : undefined;
    });
    assert.equal(back.containers[0].image, 'mqtt-adapter:e2e');
  });

  it('rolls the pods when a referenced Secret is rotated', async () => {
    const hash = async () =>
      (await deploymentOf())?.spec?.template.metadata?.annotations?.[SECRET_HASH_ANNOTATION];
    const before = await hash();
    assert.ok(before);
    await putSecret(rest, ns, 'redis', { url: 'redis://redis-2.example:6379' });
    const after = await eventually('a new Secret hash', async () => {
      const h = await hash();
      return h !== before ? h : undefined;
    });
    assert.match(after ?? '', /^[0-9a-f]{32}$/);
  });

  it('scales through the scale subresource (kubectl scale, HPA)', async () => {
    const r = await kubectl(cp, ['-n', ns, 'scale', 'mqttlistener', name, '--replicas=3']);
    assert.equal(r.code, 0, r.stderr);
    await eventually('the Deployment to scale', async () => (await deploymentOf())?.spec?.replicas === 3);
    const scale = await rest.get<{ spec: { replicas: number }; status: { selector: string } }>(
      `${listenerPath(ns, name)}/scale`,
    );
    assert.equal(scale.spec.replicas, 3);
    assert.equal(
      scale.status.selector,
      'app.kubernetes.io/name=mqtt-adapter,app.kubernetes.io/instance=fleet',
    );
  });

  it('follows pod readiness into status.readyReplicas and the Ready condition', async () => {
    // No kubelet: mark the pods the ReplicaSet created as running and ready, as a kubelet would,
    // and let the real ReplicaSet and Deployment controllers carry that up.
    await eventually(
      'all pods of the latest template ready',
      async () => {
        const d = (await deploymentOf())!;
        const pods = await rest.get<{ items: V1Pod[] }>(resourcePath('v1', 'pods', ns));
        for (const p of pods.items) {
          if (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) continue;
          await rest.mergePatch(`${resourcePath('v1', 'pods', ns, p.metadata!.name)}/status`, {
            status: {
              phase: 'Running',
              conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date().toISOString() }],
            },
          });
        }
        return (
          (d.status?.readyReplicas ?? 0) >= 3 && d.status?.updatedReplicas === 3 && d.status.replicas === 3
        );
      },
      60_000,
      500,
    );
    // Ready can turn True while the surge pod of a rollout is still there; wait for the rollout to settle.
    const l = await eventually('Ready=True and the rollout settled', async () => {
      const x = await getListener();
      const settled = condition(x, 'Progressing')?.status === 'False' && x.status?.replicas === 3;
      return condition(x, 'Ready')?.status === 'True' && settled ? x : undefined;
    });
    assert.equal(l.status?.readyReplicas, 3);
    assert.equal(condition(l, 'Ready')?.reason, 'AllReplicasReady');
    const cols = await kubectl(cp, ['-n', ns, 'get', 'mql', name]);
    assert.match(cols.stdout, /NAME\s+READY\s+REPLICAS\s+PORT\s+TLS\s+AGE/);
    assert.match(cols.stdout, /fleet\s+True\s+3\s+1884\s+/);
  });

  it('puts back a child that someone else changed (level-triggered, from the Deployment informer)', async () => {
    const path = resourcePath('apps/v1', 'deployments', ns, name);
    await rest.mergePatch(path, { spec: { replicas: 7 } });
    await eventually(
      'the Deployment back at spec.replicas',
      async () => (await deploymentOf())?.spec?.replicas === 3,
    );
    await rest.delete(resourcePath('v1', 'services', ns, name));
    await eventually('the Service recreated', async () => (await children(rest, ns, name)).service !== null);
  });

  it('reports a missing Secret as a Degraded condition and an Event, and recovers when it appears', async () => {
    const other = 'needs-secret';
    await createListener(rest, ns, other, { rabbitmq: { secretName: 'not-yet' } });
    const l = await eventually('Degraded=True', async () => {
      const x = await rest.get<MqttListener>(listenerPath(ns, other));
      return condition(x, 'Degraded')?.status === 'True' ? x : undefined;
    });
    assert.equal(condition(l, 'Degraded')?.reason, 'SecretNotFound');
    assert.match(condition(l, 'Degraded')?.message ?? '', /Secret e2e-op-[0-9a-f]+\/not-yet not found/);
    const events = await rest.get<{
      items: { reason: string; type: string; involvedObject: { name: string } }[];
    }>(resourcePath('v1', 'events', ns));
    assert.ok(
      events.items.some(
        (e) => e.reason === 'SecretNotFound' && e.type === 'Warning' && e.involvedObject.name === other,
      ),
    );
    assert.equal((await children(rest, ns, other)).deployment, null);
    assert.ok(op.proc.running, 'the operator must not crash on a bad reference');
    const series = (status: string, reason: string) =>
      `mqtt_adapter_operator_listener_condition{listener_namespace="${ns}",listener="${other}",type="Degraded",status="${status}",reason="${reason}"}`;
    assert.equal(await op.metric(series('True', 'SecretNotFound')), 1, 'the condition in the metrics');

    await putSecret(rest, ns, 'not-yet', { uri: 'amqp://x:5672' });
    await eventually('recovery', async () => {
      const x = await rest.get<MqttListener>(listenerPath(ns, other));
      return (
        condition(x, 'Degraded')?.status === 'False' && (await children(rest, ns, other)).deployment !== null
      );
    });
    assert.equal(await op.metric(series('False', 'AsExpected')), 1);
    assert.equal(await op.metric(series('True', 'SecretNotFound')), 0, 'the old series gone');
  });

  it('serves its own /metrics and /healthz', async () => {
    assert.equal((await op.get('/healthz')).status, 200);
    const { body } = await op.get('/metrics');
    assert.match(body, /^mqtt_adapter_operator_reconciles_total\{result="success"\} [1-9]/m);
    assert.match(body, /^mqtt_adapter_operator_reconcile_duration_seconds_count [1-9]/m);
    assert.match(body, /^mqtt_adapter_operator_leader 1$/m);
  });

  it('lets the garbage collector delete the children with the listener', async function () {
    this.timeout(180_000);
    const ours = async () => {
      const rs = await rest.get<{ items: V1ReplicaSet[] }>(resourcePath('apps/v1', 'replicasets', ns));
      return rs.items.filter((r) => r.metadata?.labels?.['app.kubernetes.io/instance'] === name);
    };
    assert.ok((await ours()).length > 0, 'the Deployment controller made ReplicaSets');
    assert.ok((await children(rest, ns, name)).deployment);
    await rest.delete(listenerPath(ns, name));
    await eventually(
      'children to be garbage-collected',
      async () => {
        const c = await children(rest, ns, name);
        return !c.deployment && !c.service && !c.pdb && (await ours()).length === 0;
      },
      150_000,
      1000,
    );
    const { body } = await op.get('/metrics');
    assert.doesNotMatch(
      body,
      new RegExp(`listener_namespace="${ns}",listener="${name}"`),
      'series of a deleted listener',
    );
  });

  it('stops cleanly on SIGTERM', async () => {
    const code = await op.stop();
    assert.equal(code, 0, op.proc.log().slice(-2000));
  });
});
