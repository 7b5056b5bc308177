import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import type { MqttListener } from '../../operator/src/api/types.generated';
import { repoRoot } from '../../operator/src/codegen/load-crd';
import type { ControlPlane } from './harness/control-plane';
import { CHART as chart, type Doc, Helm } from './harness/helm';
import { kubectl, run } from './harness/kubectl';
import { createNamespace, deleteNamespace } from './harness/namespace';
import { children, condition, createListener, listenerPath } from './harness/objects';
import { OperatorProcess } from './harness/operator-process';
import { CHART_NAMESPACE, OPERATOR_USER, SETUP_TIMEOUT_MS, sharedControlPlane } from './harness/shared';
import { eventually } from './harness/wait';

describe('e2e: Helm chart', function () {
  const examples = join(repoRoot(), 'examples');
  let cp: ControlPlane;
  let h: Helm;
  let ns: string;
  let notesNs: string | undefined;
  let rolesNs: string | undefined;
  let notes = '';
  let op: OperatorProcess | undefined;

  const helm = (args: string[]) => h.run(args);
  const template = (...set: string[]) => h.template(CHART_NAMESPACE, ...set);

  before(async function () {
    this.timeout(SETUP_TIMEOUT_MS);
    cp = await sharedControlPlane();
    h = await Helm.create();
    ns = await createNamespace(cp.admin, 'e2e-helm');
  });

  after(async function () {
    this.timeout(60_000);
    await op?.stop();
    if (cp) {
      await helm(['uninstall', 'mqtt-adapter', '-n', CHART_NAMESPACE, '--kubeconfig', cp.kubeconfig]);
      if (ns) await deleteNamespace(cp.admin, ns);
      if (notesNs) await deleteNamespace(cp.admin, notesNs);
      if (rolesNs) await deleteNamespace(cp.admin, rolesNs);
    }
    h?.dispose();
  });

  it('passes helm lint', async () => {
    const r = await helm(['lint', '--strict', chart]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  it('renders the operator, its least-privilege RBAC and metrics Service by default', async () => {
    const docs = await template();
    assert.deepEqual(docs.map((d) => d.kind).sort(), [
      'ClusterRole',
      'ClusterRole',
      'ClusterRole',
      'ClusterRoleBinding',
      'Deployment',
      'Role',
      'RoleBinding',
      'Service',
      'ServiceAccount',
    ]);
    const rules = docs.filter((d) => d.rules).flatMap((d) => d.rules!);
    for (const r of rules) {
      assert.ok(
        ![...r.verbs, ...r.resources, ...r.apiGroups].includes('*'),
        `wildcard in ${JSON.stringify(r)}`,
      );
    }
    const secrets = rules.find((r) => r.resources.includes('secrets'));
    assert.deepEqual(secrets?.verbs, ['get', 'list', 'watch']);
    const operatorRules = docs.find((d) => d.metadata.name === 'mqtt-adapter-operator' && d.rules)!.rules!;
    assert.ok(
      operatorRules.some(
        (r) => r.resources.includes('mqttlisteners/finalizers') && r.verbs.includes('update'),
      ),
    );
    const aggregated = (to: string) =>
      docs
        .filter((d) => d.metadata.labels?.[`rbac.authorization.k8s.io/aggregate-to-${to}`] === 'true')
        .map((d) => d.metadata.name);
    assert.deepEqual(aggregated('edit'), ['mqtt-adapter-edit']);
    assert.deepEqual(aggregated('admin'), ['mqtt-adapter-edit']);
    assert.deepEqual(aggregated('view'), ['mqtt-adapter-view']);
    const without = await template('rbac.aggregateClusterRoles=false');
    assert.equal(without.filter((d) => d.kind === 'ClusterRole').length, 1);
  });

  it('renders the optional ServiceMonitor and example MqttListener when enabled', async () => {
    const docs = await template('metrics.serviceMonitor.enabled=true', 'exampleListener.enabled=true');
    assert.ok(docs.some((d) => d.kind === 'ServiceMonitor'));
    assert.ok(docs.some((d) => d.kind === 'MqttListener' && d.metadata.name === 'mqtt'));
  });

  it('renders the Grafana dashboard ConfigMap and the PrometheusRule when enabled, from the chart files as they are', async () => {
    const docs = await template(
      'metrics.grafanaDashboard.enabled=true',
      'metrics.grafanaDashboard.namespace=grafana',
      'metrics.grafanaDashboard.annotations.grafana_folder=MQTT',
      'metrics.prometheusRule.enabled=true',
      'metrics.prometheusRule.labels.release=prom',
    );
    const dashboard = docs.find((d) => d.kind === 'ConfigMap') as
      | (Doc & {
          metadata: { namespace: string; annotations: Record<string, string> };
          data: Record<string, string>;
        })
      | undefined;
    assert.equal(dashboard?.metadata.labels?.grafana_dashboard, '1');
    assert.equal(dashboard.metadata.namespace, 'grafana');
    assert.equal(dashboard.metadata.annotations.grafana_folder, 'MQTT');
    const file = (f: string): string => readFileSync(join(chart, f), 'utf8');
    assert.deepEqual(
      JSON.parse(dashboard.data['mqtt-adapter.json']),
      JSON.parse(file('dashboards/mqtt-adapter.json')),
    );
    const rule = docs.find((d) => d.kind === 'PrometheusRule');
    assert.equal(rule?.metadata.labels?.release, 'prom');
    // Untemplated: the alerts' own {{ $labels }} templates reach Prometheus as written.
    assert.deepEqual(rule.spec, load(file('rules/mqtt-adapter.rules.yaml')));
  });

  it('refuses values that break values.schema.json', async () => {
    const r = await helm(['template', 'x', chart, '--set', 'metrics.port=70000']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /metrics\.port|maximum/);
    const typo = await helm(['template', 'x', chart, '--set', 'operator.replica=2']);
    assert.notEqual(typo.code, 0);
    assert.match(typo.stderr, /replica/);
  });

  it('installs into the API server', async function () {
    this.timeout(120_000);
    const r = await helm([
      'install',
      'mqtt-adapter',
      chart,
      '-n',
      CHART_NAMESPACE,
      '--create-namespace',
      '--kubeconfig',
      cp.kubeconfig,
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    notes = r.stdout.slice(r.stdout.indexOf('NOTES:'));
    const deploy = await kubectl(cp, ['-n', CHART_NAMESPACE, 'get', 'deployment', 'mqtt-adapter-operator']);
    assert.equal(deploy.code, 0, deploy.stderr);
    const sa = await kubectl(cp, ['-n', CHART_NAMESPACE, 'get', 'serviceaccount', 'mqtt-adapter-operator']);
    assert.equal(sa.code, 0, sa.stderr);
  });

  it("runs the examples with an operator that has only the chart's RBAC", async function () {
    this.timeout(120_000);
    // The operator authenticates as the chart's ServiceAccount, so any verb the chart forgot fails here.
    op = await OperatorProcess.start(cp, {
      user: OPERATOR_USER,
      identity: 'helm-op',
      leaseNamespace: CHART_NAMESPACE,
      leaseName: 'mqtt-adapter-operator',
    });
    const tls = await kubectl(cp, [
      '-n',
      ns,
      'create',
      'secret',
      'generic',
      'mqtt-tls',
      '--from-literal=tls.crt=placeholder',
      '--from-literal=tls.key=placeholder',
    ]);
    assert.equal(tls.code, 0, tls.stderr);
    for (const f of ['plain.yaml', 'tls.yaml', 'loadbalancer.yaml']) {
      const r = await kubectl(cp, ['-n', ns, 'apply', '-f', join(examples, f)]);
      assert.equal(r.code, 0, `${f}: ${r.stderr}`);
    }
    for (const name of ['mqtt', 'mqtt-tls', 'mqtt-public']) {
      await eventually(
        `${name} reconciled by the chart's operator`,
        async () => {
          const l = await cp.admin.get<MqttListener>(listenerPath(ns, name));
          const c = await children(cp.admin, ns, name);
          return condition(l, 'Degraded')?.status === 'False' && c.deployment && c.service ? true : undefined;
        },
        60_000,
      );
    }
    const lb = (await children(cp.admin, ns, 'mqtt-public')).service;
    assert.equal(lb?.spec?.type, 'LoadBalancer');
    assert.deepEqual(lb?.spec?.loadBalancerSourceRanges, ['203.0.113.0/24']);
    // RBAC denials read "User ... cannot <verb> resource"; other 403s (a terminating namespace) are not RBAC.
    assert.doesNotMatch(op.proc.log(), /cannot \w+ resource/, 'the operator hit an RBAC denial');
    assert.doesNotMatch(
      op.proc.log(),
      /cannot set blockOwnerDeletion/,
      'the operator may not set finalizers',
    );
  });

  it('runs where OwnerReferencesPermissionEnforcement refuses owner references without finalizers rights', async () => {
    // The control: a user who may create Services but not update mqttlisteners/finalizers is refused an
    // owner reference with blockOwnerDeletion, so the operator's success above rests on the chart's rule.
    rolesNs ??= await createNamespace(cp.admin, 'e2e-roles');
    const grant = [
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: Role',
      'metadata: {name: services-only}',
      'rules:',
      '- {apiGroups: [""], resources: [services], verbs: [create]}',
      '- {apiGroups: [mqtt.adapter.dev], resources: [mqttlisteners], verbs: [get]}',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: RoleBinding',
      'metadata: {name: services-only}',
      'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: services-only}',
      'subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: no-finalizers}]',
    ].join('\n');
    assert.equal((await kubectl(cp, ['-n', rolesNs, 'apply', '-f', '-'], grant)).code, 0);
    const l = await createListener(cp.admin, rolesNs, 'owner', { rabbitmq: { secretName: 'x' } });
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'owned',
        ownerReferences: [
          {
            apiVersion: 'mqtt.adapter.dev/v1alpha1',
            kind: 'MqttListener',
            name: 'owner',
            uid: l.metadata!.uid!,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: { ports: [{ port: 1883 }] },
    };
    const r = await kubectl(
      cp,
      ['-n', rolesNs, '--as', 'no-finalizers', 'create', '-f', '-'],
      JSON.stringify(svc),
    );
    assert.notEqual(r.code, 0, r.stdout);
    assert.match(r.stderr, /cannot set blockOwnerDeletion/);
  });

  it('lets namespace users with the standard edit role manage MqttListeners, and view read them', async function () {
    this.timeout(60_000);
    rolesNs ??= await createNamespace(cp.admin, 'e2e-roles');
    // kube-controller-manager's clusterrole-aggregation-controller copies the chart's rules into edit and view.
    for (const role of ['admin', 'edit', 'view'])
      await eventually(`mqttlisteners in the ${role} ClusterRole`, async () => {
        const r = await cp.admin.get<{ rules?: { resources?: string[] }[] }>(
          `/apis/rbac.authorization.k8s.io/v1/clusterroles/${role}`,
        );
        return r.rules?.some((x) => x.resources?.includes('mqttlisteners'));
      });
    for (const [user, role] of [
      ['alice', 'edit'],
      ['bob', 'view'],
    ]) {
      const b = await kubectl(cp, [
        '-n',
        rolesNs,
        'create',
        'rolebinding',
        user,
        `--clusterrole=${role}`,
        `--user=${user}`,
      ]);
      assert.equal(b.code, 0, b.stderr);
    }
    const as = (user: string, ...args: string[]) => kubectl(cp, ['-n', rolesNs!, '--as', user, ...args]);
    const listener = JSON.stringify({
      apiVersion: 'mqtt.adapter.dev/v1alpha1',
      kind: 'MqttListener',
      metadata: { name: 'alices' },
      spec: { rabbitmq: { secretName: 'rabbitmq-uri' } },
    });
    const applied = await kubectl(cp, ['-n', rolesNs, '--as', 'alice', 'apply', '-f', '-'], listener);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal((await as('alice', 'scale', 'mql', 'alices', '--replicas=0')).code, 0);
    const read = await as('bob', 'get', 'mql', 'alices', '-o', 'name');
    assert.equal(read.code, 0, read.stderr);
    assert.equal(read.stdout.trim(), 'mqttlistener.mqtt.adapter.dev/alices');
    const denied = await as('bob', 'delete', 'mql', 'alices');
    assert.match(denied.stderr, /forbidden/i);
    const stranger = await as('carol', 'get', 'mql');
    assert.match(stranger.stderr, /forbidden/i, 'a user with neither role reads nothing');
    assert.equal((await as('alice', 'delete', 'mql', 'alices')).code, 0);
  });

  it('prints next steps that work as printed and point at no file outside the chart', async function () {
    this.timeout(60_000);
    assert.match(notes, /kubectl -n mqtt-adapter-system rollout status deployment\/mqtt-adapter-operator/);
    assert.doesNotMatch(notes, /examples\/|\.yaml|-f [^-]/, 'NOTES.txt names a file the chart does not ship');
    // Run the commands that need no kubelet (not rollout status or port-forward) in a namespace of their own,
    // with the same kubectl a user would have on PATH.
    notesNs = await createNamespace(cp.admin, 'e2e-notes');
    const kubeconfig = JSON.parse(readFileSync(cp.kubeconfig, 'utf8')) as {
      contexts: { context: { namespace?: string } }[];
    };
    kubeconfig.contexts[0].context.namespace = notesNs;
    const file = join(cp.dir, 'kubeconfig-notes.json');
    writeFileSync(file, JSON.stringify(kubeconfig));
    const commands = notes
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /^(kubectl (create|get)|echo .*\| kubectl apply)/.test(l));
    assert.equal(commands.length, 3, notes);
    for (const c of commands) {
      const r = await run('bash', ['-c', `kubectl() { "$KUBECTL" "$@"; }; ${c}`], undefined, {
        KUBECTL: cp.tools.kubectl,
        KUBECONFIG: file,
        HOME: cp.dir,
        PATH: process.env.PATH ?? '',
      });
      assert.equal(r.code, 0, `${c}\n${r.stdout}${r.stderr}`);
    }
    const l = await cp.admin.get<MqttListener>(listenerPath(notesNs, 'mqtt'));
    assert.equal(l.spec.rabbitmq.secretName, 'rabbitmq-uri');
  });

  it('shows the printer columns in kubectl get mql', async () => {
    const r = await kubectl(cp, ['-n', ns, 'get', 'mql']);
    assert.equal(r.code, 0, r.stderr);
    const [header, ...rows] = r.stdout.trim().split('\n');
    assert.match(header, /^NAME\s+READY\s+REPLICAS\s+PORT\s+TLS\s+AGE$/);
    assert.equal(rows.length, 3);
    assert.ok(
      rows.some((row) => /^mqtt-tls\s+False\s+0\s+1883\s+mqtt-tls\s+/.test(row)),
      r.stdout,
    );
  });
});
