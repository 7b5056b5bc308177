import { strict as assert } from 'node:assert';
import { dump } from 'js-yaml';
import { FIELD_MANAGER } from '../../operator/src/api/names';
import type { MqttListener } from '../../operator/src/api/types.generated';
import type { ServiceMonitor } from '../../operator/src/builders/service-monitor';
import { resourcePath } from '../../operator/src/kube/paths';
import type { ControlPlane } from './harness/control-plane';
import { kubectl } from './harness/kubectl';
import { createNamespace, deleteNamespace, putSecret } from './harness/namespace';
import { children, condition, createListener, listenerPath } from './harness/objects';
import { OperatorProcess } from './harness/operator-process';
import { SERVICE_MONITOR_CRD, SERVICE_MONITOR_CRD_PATH } from './harness/service-monitor';
import { SETUP_TIMEOUT_MS, sharedControlPlane } from './harness/shared';
import { eventually } from './harness/wait';

const base = { rabbitmq: { secretName: 'rabbit' } };
const lb = { ...base, service: { type: 'LoadBalancer' } };
const pod = (p: Record<string, unknown>) => ({ ...base, override: { pod: p } });

/** Overrides the API server must refuse, each with the message a user would see. */
const rejected: [string, Record<string, unknown>, RegExp][] = [
  [
    "a pod label the Deployment's selector uses",
    pod({ labels: { 'app.kubernetes.io/instance': 'x' } }),
    /app\.kubernetes\.io\/name, instance, component, managed-by and mqtt\.adapter\.dev\/\* are the operator's/,
  ],
  ['a label key that is not a name', pod({ labels: { 'a b': 'x' } }), /label keys must be qualified names/],
  ['a label value too long', pod({ labels: { a: 'x'.repeat(64) } }), /labels\.a.*may not be more than 63/],
  [
    "the operator's Secret-hash annotation",
    pod({ annotations: { 'mqtt.adapter.dev/secret-hash': 'x' } }),
    /the annotations mqtt\.adapter\.dev\/\* are the operator's/,
  ],
  [
    'an env variable the operator sets',
    pod({ env: [{ name: 'MQTT_ADAPTER_MQTT_PORT', value: '1' }] }),
    /the operator sets this variable from the spec/,
  ],
  [
    'a rebalance setting the operator sets from spec.rebalance',
    pod({ env: [{ name: 'MQTT_ADAPTER_REBALANCE_RATE', value: '5' }] }),
    /the operator sets this variable from the spec/,
  ],
  [
    'the _FILE form of one the operator sets',
    pod({ env: [{ name: 'MQTT_ADAPTER_REDIS_URL_FILE', value: '/x' }] }),
    /the operator sets this variable from the spec/,
  ],
  [
    'an env entry with value and valueFrom',
    pod({ env: [{ name: 'A', value: '1', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }),
    /takes value or valueFrom, not both/,
  ],
  [
    'a valueFrom with two sources',
    pod({
      env: [
        {
          name: 'A',
          valueFrom: { fieldRef: { fieldPath: 'x' }, secretKeyRef: { name: 's', key: 'k' } },
        },
      ],
    }),
    /valueFrom takes exactly one of/,
  ],
  [
    'an env entry given twice',
    pod({
      env: [
        { name: 'A', value: '1' },
        { name: 'A', value: '2' },
      ],
    }),
    /spec\.override\.pod\.env\[1\]: Duplicate value/,
  ],
  [
    'an envFrom entry without a source',
    pod({ envFrom: [{ prefix: 'X_' }] }),
    /takes exactly one of configMapRef and secretRef/,
  ],
  [
    "one of the operator's volume names",
    pod({ volumes: [{ name: 'tls', emptyDir: {} }] }),
    /this volume name is the operator's/,
  ],
  [
    'a mount of an unknown volume',
    pod({ volumeMounts: [{ name: 'nope', mountPath: '/data' }] }),
    /must name a volume of override\.pod\.volumes/,
  ],
  [
    "a mount over the operator's Secrets",
    pod({
      volumes: [{ name: 'v', emptyDir: {} }],
      volumeMounts: [{ name: 'v', mountPath: '/etc/mqtt-adapter/tls' }],
    }),
    /\/tmp and \/etc\/mqtt-adapter are the operator's mounts/,
  ],
  [
    'a sidecar named adapter',
    pod({ sidecars: [{ name: 'adapter', image: 'x' }] }),
    /the container name adapter is the operator's/,
  ],
  ['a sidecar without an image', pod({ sidecars: [{ name: 's' }] }), /sidecars\[0\]\.image: Required value/],
  [
    'an init container and a sidecar of one name',
    pod({ initContainers: [{ name: 's', image: 'x' }], sidecars: [{ name: 's', image: 'y' }] }),
    /need distinct names/,
  ],
  [
    'a privileged adapter that may not escalate',
    pod({ containerSecurityContext: { privileged: true } }),
    /privileged needs allowPrivilegeEscalation true/,
  ],
  [
    'a Localhost seccomp profile without its file',
    pod({ containerSecurityContext: { seccompProfile: { type: 'Localhost' } } }),
    /localhostProfile is set with type Localhost, and only then/,
  ],
  [
    'a service account that is not a name',
    pod({ serviceAccountName: 'A_B' }),
    /serviceAccountName.*should match/,
  ],
  [
    'node ports on a ClusterIP Service',
    { ...base, override: { service: { nodePorts: { mqtt: 30001 } } } },
    /nodePorts needs service\.type NodePort or LoadBalancer/,
  ],
  [
    'a TLS node port without TLS',
    { ...lb, override: { service: { nodePorts: { mqtts: 30001 } } } },
    /nodePorts\.mqtts needs tls\.secretName/,
  ],
  [
    'one node port twice',
    { ...lb, webSocket: { enabled: true }, override: { service: { nodePorts: { mqtt: 30001, ws: 30001 } } } },
    /override\.service\.nodePorts must differ/,
  ],
  [
    'a load balancer class on a NodePort Service',
    {
      ...base,
      service: { type: 'NodePort' },
      override: { service: { loadBalancerClass: 'example.com/lb' } },
    },
    /loadBalancerClass needs service\.type LoadBalancer/,
  ],
  [
    'a load balancer class without a prefix',
    { ...lb, override: { service: { loadBalancerClass: 'nlb' } } },
    /loadBalancerClass.*should match/,
  ],
  [
    'a traffic policy on a ClusterIP Service',
    { ...base, override: { service: { externalTrafficPolicy: 'Local' } } },
    /override\.service\.externalTrafficPolicy needs service\.type NodePort or LoadBalancer/,
  ],
  [
    "a ServiceMonitor label of the operator's",
    { ...base, override: { serviceMonitor: { labels: { 'app.kubernetes.io/managed-by': 'me' } } } },
    /are the operator's/,
  ],
  [
    'a scrape interval without a unit',
    { ...base, override: { serviceMonitor: { interval: '10' } } },
    /serviceMonitor\.interval.*should match/,
  ],
];

/** Every override field at once, for the API server to accept and the operator to render. */
const full = {
  rabbitmq: { secretName: 'rabbit' },
  tls: { secretName: 'cert' },
  service: { type: 'LoadBalancer', annotations: { a: 'spec', c: 'spec' }, externalTrafficPolicy: 'Cluster' },
  metrics: { serviceMonitor: { enabled: true } },
  override: {
    pod: {
      labels: { team: 'iot' },
      annotations: { 'example.com/agent': 'on' },
      serviceAccountName: 'mqtt',
      automountServiceAccountToken: true,
      imagePullSecrets: [{ name: 'regcred' }],
      priorityClassName: 'mqtt-critical',
      env: [
        { name: 'MQTT_ADAPTER_WILL_DRAIN_GRACE_MS', value: '15000' },
        { name: 'NODE_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.hostIP' } } },
      ],
      envFrom: [{ configMapRef: { name: 'extra', optional: true }, prefix: 'EXTRA_' }],
      volumes: [{ name: 'extra-ca', configMap: { name: 'extra-ca' } }],
      volumeMounts: [{ name: 'extra-ca', mountPath: '/etc/ssl/extra', readOnly: true }],
      initContainers: [
        { name: 'agent', image: 'busybox:1.37', restartPolicy: 'Always', command: ['sleep', 'infinity'] },
      ],
      sidecars: [{ name: 'exporter', image: 'busybox:1.37', args: ['sleep', 'infinity'] }],
      containerSecurityContext: { capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } },
    },
    service: {
      labels: { team: 'iot' },
      annotations: { a: 'override', b: 'override' },
      nodePorts: { mqtts: 31884 },
      loadBalancerClass: 'example.com/lb',
      externalTrafficPolicy: 'Local',
    },
    serviceMonitor: { labels: { release: 'prometheus' }, interval: '10s' },
  },
};

describe('e2e: spec.override', function () {
  let cp: ControlPlane;
  let ns: string;
  let op: OperatorProcess | undefined;
  const name = 'overridden';

  before(async function () {
    this.timeout(SETUP_TIMEOUT_MS);
    cp = await sharedControlPlane();
    ns = await createNamespace(cp.admin, 'e2e-override');
  });

  after(async function () {
    this.timeout(60_000);
    await op?.stop();
    if (cp && ns) await deleteNamespace(cp.admin, ns);
    if (cp) await cp.admin.delete(SERVICE_MONITOR_CRD_PATH).catch(() => undefined);
  });

  const apply = (spec: Record<string, unknown>) =>
    kubectl(
      cp,
      ['-n', ns, 'apply', '--dry-run=server', '-f', '-'],
      dump({ apiVersion: 'mqtt.adapter.dev/v1alpha1', kind: 'MqttListener', metadata: { name: 'v' }, spec }),
    );

  for (const [what, spec, message] of rejected) {
    it(`rejects ${what} with a clear message`, async () => {
      const r = await apply(spec);
      assert.notEqual(r.code, 0, `accepted: ${r.stdout}`);
      assert.match(r.stderr, message);
    });
  }

  it('accepts every override field together', async () => {
    const r = await apply(full);
    assert.equal(r.code, 0, r.stderr);
  });

  const listener = () => cp.admin.get<MqttListener>(listenerPath(ns, name));
  const deployment = async () => (await children(cp.admin, ns, name)).deployment ?? undefined;

  it('renders the override into a Deployment, Service and ServiceMonitor the API server accepts', async function () {
    this.timeout(90_000);
    await cp.admin.apply(SERVICE_MONITOR_CRD_PATH, SERVICE_MONITOR_CRD, FIELD_MANAGER);
    await eventually('the ServiceMonitor API', async () => {
      await cp.admin.get(resourcePath('monitoring.coreos.com/v1', 'servicemonitors', ns));
      return true;
    });
    await putSecret(cp.admin, ns, 'rabbit', { uri: 'amqp://rabbitmq.example:5672' });
    await putSecret(cp.admin, ns, 'cert', { 'tls.crt': 'x', 'tls.key': 'x' });
    op = await OperatorProcess.start(cp, { identity: 'op-override', leaseNamespace: ns });
    await createListener(cp.admin, ns, name, full);
    const sm = await eventually(
      'the ServiceMonitor',
      async () =>
        (await cp.admin.getOrNull<ServiceMonitor>(
          resourcePath('monitoring.coreos.com/v1', 'servicemonitors', ns, name),
        )) ?? undefined,
      60_000,
    );
    assert.equal(sm.metadata?.labels?.release, 'prometheus');
    assert.equal(sm.spec.endpoints[0].interval, '10s');

    const d = (await deployment())!;
    const t = d.spec!.template;
    const s = t.spec!;
    assert.equal(t.metadata?.labels?.team, 'iot');
    assert.equal(t.metadata?.labels?.['app.kubernetes.io/instance'], name);
    assert.equal(t.metadata?.annotations?.['example.com/agent'], 'on');
    assert.equal(s.serviceAccountName, 'mqtt');
    assert.equal(s.automountServiceAccountToken, true);
    assert.deepEqual(s.imagePullSecrets, [{ name: 'regcred' }]);
    assert.equal(s.priorityClassName, 'mqtt-critical');
    assert.deepEqual(
      s.initContainers?.map((c) => [c.name, c.restartPolicy]),
      [['agent', 'Always']],
    );
    assert.deepEqual(
      s.containers.map((c) => c.name),
      ['adapter', 'exporter'],
    );
    const adapter = s.containers[0];
    assert.deepEqual(adapter.env?.slice(-2), full.override.pod.env);
    assert.deepEqual(adapter.envFrom, full.override.pod.envFrom);
    assert.deepEqual(adapter.securityContext?.capabilities, { drop: ['ALL'], add: ['NET_BIND_SERVICE'] });
    assert.equal(adapter.securityContext?.readOnlyRootFilesystem, true);
    assert.ok(s.volumes?.some((v) => v.name === 'extra-ca' && v.configMap?.name === 'extra-ca'));
    assert.ok(adapter.volumeMounts?.some((m) => m.name === 'extra-ca' && m.mountPath === '/etc/ssl/extra'));

    const svc = (await children(cp.admin, ns, name)).service!;
    assert.equal(svc.metadata?.labels?.team, 'iot');
    assert.deepEqual(
      { a: svc.metadata?.annotations?.a, b: svc.metadata?.annotations?.b, c: svc.metadata?.annotations?.c },
      { a: 'override', b: 'override', c: 'spec' },
    );
    assert.equal(svc.spec?.loadBalancerClass, 'example.com/lb');
    assert.equal(svc.spec?.externalTrafficPolicy, 'Local');
    const ports = new Map(svc.spec?.ports?.map((p) => [p.name, p.nodePort]));
    assert.equal(ports.get('mqtts'), 31884);
    // A port left out gets a node port from the API server's range.
    assert.ok((ports.get('mqtt') ?? 0) >= 30000, `mqtt nodePort ${ports.get('mqtt')}`);
  });

  it('takes back what the override no longer asks for, down to the plain pod', async function () {
    this.timeout(60_000);
    await cp.admin.mergePatch(listenerPath(ns, name), {
      spec: { override: { pod: { sidecars: null, env: null, labels: null } } },
    });
    const d = await eventually('the sidecar, env and label to go', async () => {
      const x = await deployment();
      const s = x?.spec?.template.spec;
      return s?.containers.length === 1 && !s.containers[0].env?.some((e) => e.name === 'NODE_IP')
        ? x
        : undefined;
    });
    assert.equal(d.spec?.template.metadata?.labels?.team, undefined);
    assert.equal(d.spec?.template.spec?.serviceAccountName, 'mqtt');
    // Everything but loadBalancerClass, which Kubernetes keeps from changing once set (below).
    await cp.admin.mergePatch(listenerPath(ns, name), {
      spec: {
        override: {
          pod: null,
          serviceMonitor: null,
          service: { labels: null, annotations: null, nodePorts: null, externalTrafficPolicy: null },
        },
      },
    });
    const plain = await eventually('the plain pod', async () => {
      const x = await deployment();
      const s = x?.spec?.template.spec;
      if (s && s.serviceAccountName === undefined && !s.initContainers?.length) return x;
      throw new Error(`still ${JSON.stringify({ sa: s?.serviceAccountName, init: s?.initContainers })}`);
    });
    const s = plain.spec!.template.spec!;
    assert.equal(s.automountServiceAccountToken, false);
    assert.equal(s.imagePullSecrets, undefined);
    assert.ok(!s.volumes?.some((v) => v.name === 'extra-ca'));
    assert.deepEqual(s.containers[0].securityContext?.capabilities, { drop: ['ALL'] });
    const svc = (await children(cp.admin, ns, name)).service!;
    assert.equal(svc.metadata?.labels?.team, undefined);
    assert.equal(svc.metadata?.annotations?.b, undefined);
    assert.equal(svc.spec?.externalTrafficPolicy, 'Cluster');
    assert.equal(svc.spec?.loadBalancerClass, 'example.com/lb');
    const sm = await cp.admin.get<ServiceMonitor>(
      resourcePath('monitoring.coreos.com/v1', 'servicemonitors', ns, name),
    );
    assert.equal(sm.metadata?.labels?.release, undefined);
    assert.equal(sm.spec.endpoints[0].interval, '30s');
  });

  it("reports the API server's refusal to drop loadBalancerClass as Degraded, the other children applied", async function () {
    this.timeout(60_000);
    await cp.admin.mergePatch(listenerPath(ns, name), { spec: { override: null } });
    // Pods of the overridden template could not be created (no such ServiceAccount here): wait past that.
    const l = await eventually('Degraded=True, ApplyFailed', async () => {
      const x = await listener();
      return condition(x, 'Degraded')?.reason === 'ApplyFailed' ? x : undefined;
    });
    assert.equal(condition(l, 'Degraded')?.status, 'True');
    assert.match(condition(l, 'Degraded')?.message ?? '', /^Service overridden: .*loadBalancerClass/);
  });
});
