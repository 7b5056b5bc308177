import { strict as assert } from 'node:assert';
import { SECRET_HASH_ANNOTATION } from '../../../operator/src/api/names';
import { deployment } from '../../../operator/src/builders/deployment';
import { service } from '../../../operator/src/builders/service';
import { serviceMonitor } from '../../../operator/src/builders/service-monitor';
import { inputs, listener } from './listener-fixture';

const pod = (override: Record<string, unknown>) =>
  deployment(listener({ override: { pod: override } }), inputs).spec!.template;

const sidecar = { name: 'proxy', image: 'envoyproxy/envoy:v1.31', args: ['--x'] };

describe('operator: spec.override.pod', () => {
  it('changes nothing when absent: no token, no extra containers, volumes or env', () => {
    const plain = deployment(listener(), inputs).spec!.template;
    assert.deepEqual(pod({}), plain);
    assert.equal(plain.spec?.automountServiceAccountToken, false);
    assert.equal(plain.spec?.serviceAccountName, undefined);
    assert.equal(plain.spec?.initContainers, undefined);
    assert.deepEqual(
      plain.spec?.containers.map((c) => c.name),
      ['adapter'],
    );
    assert.equal(plain.spec?.containers[0].envFrom, undefined);
  });

  it("adds labels and annotations beside the operator's, the Secret hash staying the operator's", () => {
    const t = pod({
      labels: { team: 'iot', 'app.kubernetes.io/instance': 'other' },
      annotations: { 'vault.hashicorp.com/agent-inject': 'true', 'prometheus.io/scrape': 'false' },
    });
    assert.equal(t.metadata?.labels?.team, 'iot');
    // An older CRD that let an operator key through must not break the Deployment's selector.
    assert.equal(t.metadata?.labels?.['app.kubernetes.io/instance'], 'demo');
    assert.equal(t.metadata?.annotations?.['vault.hashicorp.com/agent-inject'], 'true');
    assert.equal(t.metadata?.annotations?.['prometheus.io/scrape'], 'false');
    assert.equal(t.metadata?.annotations?.[SECRET_HASH_ANNOTATION], 'abc123');
  });

  it('sets the service account, its token, pull secrets and priority class', () => {
    const s = pod({
      serviceAccountName: 'mqtt',
      automountServiceAccountToken: true,
      imagePullSecrets: [{ name: 'regcred' }],
      priorityClassName: 'high',
    }).spec!;
    assert.equal(s.serviceAccountName, 'mqtt');
    // Both, or the API server brings the name back from the deprecated field once the override goes.
    assert.equal(s.serviceAccount, 'mqtt');
    assert.equal(s.automountServiceAccountToken, true);
    assert.deepEqual(s.imagePullSecrets, [{ name: 'regcred' }]);
    assert.equal(s.priorityClassName, 'high');
  });

  it("appends env after the operator's (so $(VAR) can use it) and passes envFrom", () => {
    const c = pod({
      env: [
        { name: 'MQTT_ADAPTER_WILL_DRAIN_GRACE_MS', value: '5000' },
        { name: 'NODE_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
      ],
      envFrom: [{ configMapRef: { name: 'extra' }, prefix: 'X_' }],
    }).spec!.containers[0];
    const names = c.env!.map((e) => e.name);
    assert.deepEqual(names.slice(-2), ['MQTT_ADAPTER_WILL_DRAIN_GRACE_MS', 'NODE_IP']);
    assert.ok(names.indexOf('MQTT_ADAPTER_MQTT_PORT') < names.indexOf('NODE_IP'));
    assert.deepEqual(c.envFrom, [{ configMapRef: { name: 'extra' }, prefix: 'X_' }]);
  });

  it("never lets an env entry replace one the operator writes (an older CRD's gap)", () => {
    const c = pod({ env: [{ name: 'MQTT_ADAPTER_MQTT_PORT', value: '1' }] }).spec!.containers[0];
    assert.deepEqual(
      c.env!.filter((e) => e.name === 'MQTT_ADAPTER_MQTT_PORT'),
      [{ name: 'MQTT_ADAPTER_MQTT_PORT', value: '1883' }],
    );
  });

  it("adds volumes and mounts after the operator's, keeping its tmp and Secret mounts", () => {
    const t = deployment(
      listener({
        tls: { secretName: 'cert' },
        override: {
          pod: {
            volumes: [
              { name: 'ca-bundle', configMap: { name: 'bundle' } },
              { name: 'tmp', emptyDir: {} },
            ],
            volumeMounts: [
              { name: 'ca-bundle', mountPath: '/etc/ssl/extra', readOnly: true },
              { name: 'ca-bundle', mountPath: '/tmp' },
            ],
          },
        },
      }),
      inputs,
    ).spec!.template.spec!;
    assert.deepEqual(
      t.volumes!.map((v) => v.name),
      ['tmp', 'rabbitmq', 'tls', 'ca-bundle'],
    );
    assert.equal(t.volumes!.find((v) => v.name === 'tmp')?.emptyDir?.medium, 'Memory');
    const mounts = t.containers[0].volumeMounts!;
    assert.deepEqual(
      mounts.map((m) => [m.name, m.mountPath]),
      [
        ['tmp', '/tmp'],
        ['rabbitmq', '/etc/mqtt-adapter/rabbitmq'],
        ['tls', '/etc/mqtt-adapter/tls'],
        ['ca-bundle', '/etc/ssl/extra'],
      ],
    );
  });

  it('runs init containers first and sidecars beside the adapter, which stays first', () => {
    const s = pod({
      initContainers: [{ name: 'wait', image: 'busybox:1', command: ['true'] }],
      sidecars: [sidecar, { ...sidecar, name: 'adapter' }],
    }).spec!;
    assert.deepEqual(s.initContainers, [{ name: 'wait', image: 'busybox:1', command: ['true'] }]);
    assert.deepEqual(
      s.containers.map((c) => c.name),
      ['adapter', 'proxy'],
    );
    assert.deepEqual(s.containers[1], sidecar);
    assert.deepEqual(s.containers[0].command, ['node', 'build/adapter/src/main.js']);
  });

  it("changes the adapter container's security context key by key, as podSecurityContext does the pod's", () => {
    const c = pod({
      containerSecurityContext: { readOnlyRootFilesystem: false, seccompProfile: { type: 'RuntimeDefault' } },
    }).spec!.containers[0];
    assert.deepEqual(c.securityContext, {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });
});

describe('operator: spec.override.service and spec.override.serviceMonitor', () => {
  const lb = (o: Record<string, unknown>, svc: Record<string, unknown> = {}) =>
    service(
      listener({
        tls: { secretName: 'cert' },
        service: { type: 'LoadBalancer', ...svc },
        override: { service: o },
      }),
    );

  it("adds labels beside the operator's and annotations over service.annotations", () => {
    const s = lb(
      { labels: { team: 'iot' }, annotations: { a: 'override', b: 'new' } },
      { annotations: { a: 'spec', c: 'kept' } },
    );
    assert.equal(s.metadata?.labels?.team, 'iot');
    assert.equal(s.metadata?.labels?.['app.kubernetes.io/managed-by'], 'mqtt-adapter-operator');
    assert.deepEqual(s.metadata?.annotations, { a: 'override', b: 'new', c: 'kept' });
  });

  it('puts node ports on their ports, and leaves the others to the cluster', () => {
    const s = lb({ nodePorts: { mqtts: 30883 } });
    assert.deepEqual(
      s.spec?.ports?.map((p) => [p.name, p.nodePort]),
      [
        ['mqtt', undefined],
        ['mqtts', 30883],
      ],
    );
  });

  it('sets loadBalancerClass, and externalTrafficPolicy over service.externalTrafficPolicy', () => {
    const s = lb(
      { loadBalancerClass: 'service.k8s.aws/nlb', externalTrafficPolicy: 'Local' },
      { externalTrafficPolicy: 'Cluster' },
    );
    assert.equal(s.spec?.loadBalancerClass, 'service.k8s.aws/nlb');
    assert.equal(s.spec?.externalTrafficPolicy, 'Local');
  });

  it('puts no node port or load balancer class on a ClusterIP Service (an older CRD let them through)', () => {
    const s = service(
      listener({ override: { service: { nodePorts: { mqtt: 30000 }, loadBalancerClass: 'x.io/y' } } }),
    );
    assert.equal(s.spec?.ports?.[0].nodePort, undefined);
    assert.equal(s.spec?.loadBalancerClass, undefined);
  });

  it('labels the ServiceMonitor for the Prometheus that selects it, and sets its interval', () => {
    const sm = serviceMonitor(
      listener({
        metrics: { serviceMonitor: { enabled: true, interval: '30s' } },
        override: { serviceMonitor: { labels: { release: 'prometheus' }, interval: '10s' } },
      }),
    )!;
    assert.equal(sm.metadata?.labels?.release, 'prometheus');
    assert.equal(sm.metadata?.labels?.['app.kubernetes.io/instance'], 'demo');
    assert.deepEqual(sm.spec.endpoints[0].interval, '10s');
  });
});
