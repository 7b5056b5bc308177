import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { createMetrics } from '../../../adapter/src/observability/metrics';
import { OperatorMetrics } from '../../../operator/src/metrics';
import { repoRoot } from '../../../operator/src/codegen/load-crd';
import { exposedNames, metricNames } from './promql-names';

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Series from elsewhere: Prometheus' up and kube-state-metrics' container readiness. */
const EXTERNAL = new Set(['up', 'kube_pod_container_status_ready']);

describe('alert rules (charts/mqtt-adapter/rules/mqtt-adapter.rules.yaml)', () => {
  const root = repoRoot();
  const file = load(
    readFileSync(join(root, 'charts/mqtt-adapter/rules/mqtt-adapter.rules.yaml'), 'utf8'),
  ) as {
    groups: { name: string; rules: Rule[] }[];
  };
  const rules = file.groups.flatMap((g) => g.rules);

  it('gives every alert a severity, a summary and a description', () => {
    assert.ok(rules.length > 0);
    for (const r of rules) {
      assert.ok(r.alert, `a rule without alert: ${r.expr}`);
      assert.match(r.labels?.severity ?? '', /^(critical|warning|info)$/, r.alert);
      assert.ok(r.annotations?.summary && r.annotations.description, r.alert);
    }
  });

  it('names only metrics the adapter and the operator export, and the external series listed', async () => {
    const build = { version: '0', commit: '0', node: '0' };
    const exported = new Set([
      ...exposedNames(await createMetrics(build).registry.metrics()),
      ...exposedNames(await new OperatorMetrics(build).registry.metrics()),
    ]);
    const unknown = rules.flatMap((r) =>
      metricNames(r.expr)
        .filter((n) => !exported.has(n) && !EXTERNAL.has(n))
        .map((n) => `${r.alert}: ${n}`),
    );
    assert.deepEqual(unknown, []);
  });

  it('has a promtool test case that fires each alert (test/e2e/prometheus/, run by the e2e suite)', () => {
    const cases = load(
      readFileSync(join(root, 'test/e2e/prometheus/mqtt-adapter.rules.test.yaml'), 'utf8'),
    ) as {
      tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    const fired = new Set(
      cases.tests.flatMap((t) =>
        t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname),
      ),
    );
    assert.deepEqual(
      rules.map((r) => r.alert).filter((a) => !fired.has(a!)),
      [],
    );
  });

  it('alerts on each failure docs/troubleshooting.md explains', () => {
    const docs = readFileSync(join(root, 'docs/troubleshooting.md'), 'utf8');
    for (const r of rules) assert.ok(docs.includes(r.alert!), `${r.alert} is not in docs/troubleshooting.md`);
  });
});
