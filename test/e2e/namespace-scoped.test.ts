import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SECRET_HASH_ANNOTATION } from '../../operator/src/api/names';
import type { MqttListener } from '../../operator/src/api/types.generated';
import type { RestClient } from '../../operator/src/kube/rest-client';
import type { ControlPlane } from './harness/control-plane';
import { Helm, type Doc } from './harness/helm';
import { createNamespace, deleteNamespace, putSecret } from './harness/namespace';
import { children, createListener, listenerPath } from './harness/objects';
import { OperatorProcess } from './harness/operator-process';
import { createServiceAccount, mintToken } from './harness/service-account';
import { SETUP_TIMEOUT_MS, sharedControlPlane } from './harness/shared';
import { eventually } from './harness/wait';

/** The chart's operator ServiceAccount name for a release called mqtt-adapter. */
const SA = 'mqtt-adapter-operator';

/**
 * The chart with `operator.watchNamespaces`, installed as far as RBAC goes
 * (its Roles and RoleBindings applied as rendered), and the operator running
 * as the chart's ServiceAccount with a real token: it reconciles listeners in
 * the watched namespace, leaves the others alone, and needs no ClusterRole.
 */
describe('e2e: namespace-scoped operator', function () {
  let cp: ControlPlane;
  let rest: RestClient;
  let system: string;
  let watched: string;
  let other: string;
  let op: OperatorProcess;
  let rendered: Doc[];

  before(async function () {
    this.timeout(SETUP_TIMEOUT_MS);
    cp = await sharedControlPlane();
    rest = cp.admin;
    system = await createNamespace(rest, 'e2e-nsop');
    watched = await createNamespace(rest, 'e2e-nsa');
    other = await createNamespace(rest, 'e2e-nsb');
    for (const ns of [watched, other])
      await putSecret(rest, ns, 'rabbit', { uri: 'amqp://rabbitmq.example:5672' });
    const helm = await Helm.create();
    try {
      rendered = await helm.template(
        system,
        `operator.watchNamespaces={${watched}}`,
        'rbac.aggregateClusterRoles=false',
      );
    } finally {
      helm.dispose();
    }
    for (const d of rendered.filter((x) => x.kind === 'Role' || x.kind === 'RoleBinding')) {
      const ns = (d.metadata as { namespace?: string }).namespace ?? system;
      const plural = d.kind === 'Role' ? 'roles' : 'rolebindings';
      await rest.apply(
        `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/${plural}/${d.metadata.name}`,
        d,
        'e2e-test',
      );
    }
    await createServiceAccount(rest, system, SA);
    const tokenFile = join(cp.dir, `${system}-token`);
    writeFileSync(tokenFile, await mintToken(rest, system, SA));
    const deployment = rendered.find((d) => d.kind === 'Deployment');
    const env = (
      deployment?.spec as {
        template: { spec: { containers: { env: { name: string; value?: string }[] }[] } };
      }
    ).template.spec.containers[0].env;
    const watchEnv = env.find((e) => e.name === 'MQTT_ADAPTER_OPERATOR_WATCH_NAMESPACES')?.value;
    op = await OperatorProcess.start(cp, {
      identity: 'op-ns',
      leaseNamespace: system,
      leaseName: SA,
      kubeconfig: cp.kubeconfigWithTokenFile(`${system}-operator`, tokenFile),
      env: { MQTT_ADAPTER_OPERATOR_WATCH_NAMESPACES: watchEnv ?? '' },
    });
  });

  after(async function () {
    this.timeout(60_000);
    await op?.stop();
    for (const ns of [system, watched, other]) if (rest && ns) await deleteNamespace(rest, ns);
  });

  it('renders a Role and RoleBinding per watched namespace and no ClusterRole', () => {
    assert.deepEqual(
      rendered.filter((d) => d.kind.startsWith('Cluster')).map((d) => `${d.kind} ${d.metadata.name}`),
      [],
    );
    const roles = rendered
      .filter((d) => d.kind === 'Role')
      .map((d) => (d.metadata as { namespace?: string }).namespace);
    assert.deepEqual(
      roles.sort(),
      [system, watched].sort(),
      'one for the watched namespace, one for the Lease',
    );
  });

  it('reconciles a listener in the watched namespace and not one in another', async function () {
    this.timeout(90_000);
    await createListener(rest, watched, 'in', { rabbitmq: { secretName: 'rabbit' } });
    await createListener(rest, other, 'out', { rabbitmq: { secretName: 'rabbit' } });
    await eventually(
      'the watched listener reconciled',
      async () => (await children(rest, watched, 'in')).deployment,
    );
    // Give the other one time it would need: the watched one has just been done.
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal((await children(rest, other, 'out')).deployment, null);
    assert.equal((await rest.get<MqttListener>(listenerPath(other, 'out'))).status, undefined);
    assert.equal(await op.metric('mqtt_adapter_operator_watch_errors_total{resource="mqttlisteners"}'), 0);
    assert.equal(await op.metric('mqtt_adapter_operator_watch_errors_total{resource="secrets"}'), 0);
    assert.ok(op.proc.running);
  });

  it('rolls the pods when the referenced Secret changes', async function () {
    this.timeout(60_000);
    const hash = async () =>
      (await children(rest, watched, 'in')).deployment?.spec?.template.metadata?.annotations?.[
        SECRET_HASH_ANNOTATION
      ];
    const before = await hash();
    assert.ok(before);
    await putSecret(rest, watched, 'rabbit', { uri: 'amqp://rabbitmq-2.example:5672' });
    await eventually('a new secret hash', async () => (await hash()) !== before);
  });
});
