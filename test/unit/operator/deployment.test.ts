import { strict as assert } from 'node:assert';
import { SECRET_HASH_ANNOTATION } from '../../../operator/src/api/names';
import { deployment } from '../../../operator/src/builders/deployment';
import { inputs, listener } from './listener-fixture';

describe('operator: Deployment builder', () => {
  it('selects its pods by immutable labels and is owned by the listener', () => {
    const d = deployment(listener(), inputs);
    assert.equal(d.metadata?.name, 'demo');
    assert.equal(d.metadata?.namespace, 'ns1');
    assert.deepEqual(d.spec?.selector.matchLabels, {
      'app.kubernetes.io/name': 'mqtt-adapter',
      'app.kubernetes.io/instance': 'demo',
    });
    const owner = d.metadata?.ownerReferences?.[0];
    assert.deepEqual(owner, {
      apiVersion: 'mqtt.adapter.dev/v1alpha1',
      kind: 'MqttListener',
      name: 'demo',
      uid: 'uid-1',
      controller: true,
      blockOwnerDeletion: true,
    });
    for (const [k, v] of Object.entries(d.spec.selector.matchLabels)) {
      assert.equal(d.spec?.template.metadata?.labels?.[k], v);
    }
  });

  it('takes replicas and image from the spec, the default image otherwise', () => {
    assert.equal(deployment(listener({ replicas: 5, redis: { secretName: 'r' } }), inputs).spec?.replicas, 5);
    assert.equal(
      deployment(listener(), inputs).spec?.template.spec?.containers[0]?.image,
      'mqtt-adapter:test',
    );
    const custom = deployment(listener({ image: { registry: 'reg.local', tag: '1.2' } }), inputs);
    assert.equal(custom.spec?.template.spec?.containers[0]?.image, 'reg.local/mqtt-adapter:1.2');
  });

  it('puts the Secret hash and metrics annotations on the pod template', () => {
    const ann = deployment(listener({ metrics: { port: 9100 } }), inputs).spec?.template.metadata
      ?.annotations;
    assert.equal(ann?.[SECRET_HASH_ANNOTATION], 'abc123');
    assert.equal(ann?.['prometheus.io/scrape'], 'true');
    assert.equal(ann?.['prometheus.io/port'], '9100');
  });

  it('runs non-root with a read-only root filesystem and no capabilities', () => {
    const pod = deployment(listener(), inputs).spec!.template.spec!;
    assert.equal(pod.securityContext?.runAsNonRoot, true);
    assert.ok((pod.securityContext?.runAsUser ?? 0) > 0);
    const c = pod.containers[0];
    assert.equal(c.securityContext?.readOnlyRootFilesystem, true);
    assert.equal(c.securityContext?.allowPrivilegeEscalation, false);
    assert.deepEqual(c.securityContext?.capabilities?.drop, ['ALL']);
    assert.equal(pod.automountServiceAccountToken, false);
  });

  it('runs the adapter entry point whatever the image ENTRYPOINT', () => {
    const c = deployment(listener(), inputs).spec!.template.spec!.containers[0];
    assert.deepEqual(c?.command, ['node', 'build/adapter/src/main.js']);
    assert.equal(c?.args, undefined);
  });

  it('probes /healthz and /readyz on the metrics port', () => {
    const c = deployment(listener(), inputs).spec!.template.spec!.containers[0];
    assert.deepEqual(c.livenessProbe?.httpGet, { path: '/healthz', port: 'metrics' });
    assert.deepEqual(c.readinessProbe?.httpGet, { path: '/readyz', port: 'metrics' });
    assert.ok(c.ports?.some((p) => p.name === 'metrics' && p.containerPort === 9090));
  });

  it('gives the pod more grace than preStop plus the adapter drain', () => {
    const d = deployment(listener({ drainTimeoutSeconds: 45 }), inputs);
    const pod = d.spec!.template.spec!;
    const preStop = pod.containers[0].lifecycle?.preStop?.sleep?.seconds ?? 0;
    assert.ok(preStop > 0);
    assert.ok(pod.terminationGracePeriodSeconds! > preStop + 45);
    const drain = pod.containers[0].env?.find((e) => e.name === 'MQTT_ADAPTER_DRAIN_TIMEOUT_MS');
    assert.equal(drain?.value, '45000');
  });

  it('mounts each referenced Secret read-only and never puts secret values in env', () => {
    const l = listener({
      redis: { secretName: 'redis-conn', passwordKey: 'pw' },
      defaultUser: { secretName: 'guest' },
      willUser: { secretName: 'will' },
      tls: { secretName: 'cert', clientCertificate: 'required', caSecretName: 'ca' },
    });
    const pod = deployment(l, inputs).spec!.template.spec!;
    const secrets = pod.volumes?.filter((v) => v.secret).map((v) => v.secret?.secretName);
    assert.deepEqual(secrets, ['rabbit', 'redis-conn', 'guest', 'will', 'cert', 'ca']);
    const redisVol = pod.volumes?.find((v) => v.name === 'redis');
    assert.deepEqual(redisVol?.secret?.items, [
      { key: 'url', path: 'url' },
      { key: 'pw', path: 'password' },
    ]);
    const c = pod.containers[0];
    assert.ok(
      c.volumeMounts?.filter((m) => m.mountPath.startsWith('/etc/mqtt-adapter/')).every((m) => m.readOnly),
    );
    for (const e of c.env ?? []) {
      assert.ok(!/PASSWORD$|URL$|USER$/.test(e.name), `${e.name} should be given as a _FILE`);
    }
  });

  it('copies scheduling fields and resources into the pod', () => {
    const l = listener({
      nodeSelector: { zone: 'a' },
      tolerations: [{ key: 'k', operator: 'Exists' }],
      affinity: { podAntiAffinity: {} },
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' }],
      resources: { requests: { cpu: 1, memory: '256Mi' } },
    });
    const pod = deployment(l, inputs).spec!.template.spec!;
    assert.deepEqual(pod.nodeSelector, { zone: 'a' });
    assert.equal(pod.tolerations?.[0]?.key, 'k');
    assert.ok(pod.affinity?.podAntiAffinity);
    assert.equal(pod.topologySpreadConstraints?.[0]?.topologyKey, 'zone');
    assert.deepEqual(pod.containers[0].resources, { requests: { cpu: '1', memory: '256Mi' } });
  });
});
