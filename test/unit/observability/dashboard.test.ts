import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMetrics } from '../../../adapter/src/observability/metrics';
import { repoRoot } from '../../../operator/src/codegen/load-crd';
import { exposedNames, metricNames } from './promql-names';

interface Target {
  expr?: string;
  refId?: string;
  datasource?: { uid?: string };
}
interface Panel {
  id?: number;
  type: string;
  title?: string;
  gridPos?: { h: number; w: number; x: number; y: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query?: string | { query: string };
  datasource?: { uid?: string };
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
}

/** Prometheus' own series, not the adapter's. */
const EXTERNAL = new Set(['up']);
const DATASOURCE = '${datasource}';

describe('Grafana dashboard (charts/mqtt-adapter/dashboards/mqtt-adapter.json)', () => {
  const dash = JSON.parse(
    readFileSync(join(repoRoot(), 'charts/mqtt-adapter/dashboards/mqtt-adapter.json'), 'utf8'),
  ) as Dashboard;
  const all = dash.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  const panels = all.filter((p) => p.type !== 'row');
  const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr ?? '' })));
  const variableQueries = dash.templating.list
    .filter((v) => v.type === 'query')
    .map((v) => (typeof v.query === 'string' ? v.query : (v.query?.query ?? '')));

  it('has a uid, a title and a Prometheus data source variable', () => {
    assert.ok(dash.uid && dash.title);
    const ds = dash.templating.list.find((v) => v.name === 'datasource');
    assert.deepEqual([ds?.type, ds?.query], ['datasource', 'prometheus']);
  });

  it('gives every panel a unique id and a gridPos inside the 24-column grid, with no overlap', () => {
    const ids = all.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, `duplicate ids in ${ids.join(',')}`);
    const boxes = all.map((p) => {
      const g = p.gridPos;
      assert.ok(g && [g.h, g.w, g.x, g.y].every(Number.isInteger), `${p.title}: gridPos`);
      assert.ok(g.x >= 0 && g.w > 0 && g.x + g.w <= 24 && g.h > 0, `${p.title}: outside the grid`);
      return { title: p.title, ...g };
    });
    for (const [i, a] of boxes.entries()) {
      for (const b of boxes.slice(i + 1)) {
        const apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
        assert.ok(apart, `${a.title} overlaps ${b.title}`);
      }
    }
  });

  it('queries the data source variable in every panel, target and query variable', () => {
    for (const p of panels) {
      assert.equal(p.datasource?.uid, DATASOURCE, `${p.title}: panel data source`);
      assert.ok(p.targets?.length, `${p.title}: no targets`);
      const refIds = p.targets.map((t) => t.refId);
      assert.equal(new Set(refIds).size, refIds.length, `${p.title}: duplicate refId`);
      for (const t of p.targets) {
        assert.ok(t.expr?.trim(), `${p.title}: a target without expr`);
        assert.equal(t.datasource?.uid, DATASOURCE, `${p.title}: target data source`);
      }
    }
    for (const v of dash.templating.list.filter((x) => x.type === 'query'))
      assert.equal(v.datasource?.uid, DATASOURCE, `variable ${v.name}`);
  });

  it("names only metrics the adapter's registry exports (and Prometheus' up)", async () => {
    const exported = exposedNames(
      await createMetrics({ version: '0', commit: '0', node: '0' }).registry.metrics(),
    );
    const names = [
      ...exprs.flatMap((e) => metricNames(e.expr).map((n) => ({ ...e, n }))),
      ...variableQueries.flatMap((q) =>
        [...q.matchAll(/label_values\(\s*([a-zA-Z_:][\w:]*)/g)].map((m) => ({
          panel: 'variables',
          expr: q,
          n: m[1],
        })),
      ),
    ];
    assert.ok(names.length >= exprs.length);
    const unknown = names.filter(({ n }) => !exported.has(n) && !EXTERNAL.has(n));
    assert.deepEqual(unknown, []);
  });

  it('covers connections, CONNECT results, messages, confirm latency, drops, wills, takeovers, expired sessions, backends and pod resources', () => {
    const used = new Set(exprs.flatMap((e) => metricNames(e.expr)));
    for (const n of [
      'mqtt_adapter_connections',
      'mqtt_adapter_connects_total',
      'mqtt_adapter_messages_published_total',
      'mqtt_adapter_messages_delivered_total',
      'mqtt_adapter_amqp_confirm_seconds_bucket',
      'mqtt_adapter_qos0_dropped_total',
      'mqtt_adapter_wills_published_total',
      'mqtt_adapter_wills_failed_total',
      'mqtt_adapter_takeovers_total',
      'mqtt_adapter_sessions_resumed_total',
      'mqtt_adapter_sessions_expired_total',
      'mqtt_adapter_session_queues_deleted_total',
      'mqtt_adapter_amqp_connections',
      'mqtt_adapter_amqp_connect_failures_total',
      'mqtt_adapter_redis_errors_total',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
    ])
      assert.ok(used.has(n), `no panel shows ${n}`);
  });
});
