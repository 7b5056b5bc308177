import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { repoRoot } from '../../operator/src/codegen/load-crd';
import { OperatorMetrics } from '../../operator/src/metrics';
import { uniqueId } from '../integration/helpers/adapter';
import { httpGet, metricValue } from '../integration/helpers/clients';
import { Mqtt } from '../integration/helpers/mqttjs';
import { RawMqtt } from '../integration/helpers/raw-mqtt';
import { useAdapter } from '../integration/helpers/suite';
import { ensurePromtool, promtool } from './harness/promtool';

const RULES = join(repoRoot(), 'charts/mqtt-adapter/rules/mqtt-adapter.rules.yaml');
const RULE_TESTS = join(repoRoot(), 'test/e2e/prometheus/mqtt-adapter.rules.test.yaml');

const NODE_TOTAL_GAUGES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];
const NOT_A_COUNTER = 'non-counter metrics should not have "_total" suffix';

/** The exposition without these metric families (their HELP, TYPE and samples). */
function withoutFamilies(text: string, names: readonly string[]): string {
  const drop = new Set(names);
  return text
    .split('\n')
    .filter((line) => !drop.has((/^(?:# (?:HELP|TYPE) )?([a-zA-Z_:][\w:]*)/.exec(line) ?? [])[1] ?? ''))
    .join('\n');
}

/**
 * promtool check metrics finds nothing but prom-client's three gauges named *_total,
 * which keep their standard names (stock Node.js dashboards query them).
 */
async function assertLintClean(scrape: string): Promise<void> {
  const full = await promtool(['check', 'metrics'], scrape);
  const flagged = (full.stdout + full.stderr).split('\n').filter((l) => l.trim() !== '');
  assert.equal(full.code, 3, 'promtool exits 3 on lint problems');
  assert.deepEqual(
    flagged.sort(),
    NODE_TOTAL_GAUGES.map((n) => `${n} ${NOT_A_COUNTER}`),
  );
  const r = await promtool(['check', 'metrics'], withoutFamilies(scrape, NODE_TOTAL_GAUGES));
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.stdout + r.stderr, '');
}

describe('e2e: promtool on the shipped alerts and the adapter and operator metrics', function () {
  before(async function () {
    // A cold build of promtool from Go modules; cached afterwards.
    this.timeout(40 * 60_000);
    await ensurePromtool();
  });

  it('promtool check rules passes on the chart rule file', async () => {
    const r = await promtool(['check', 'rules', RULES]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SUCCESS: 9 rules found/);
  });

  it('promtool test rules: each alert fires on its failure and not on a healthy neighbour', async () => {
    const r = await promtool(['test', 'rules', RULE_TESTS]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  it("passes promtool check metrics on the operator's metrics", async () => {
    const operator = new OperatorMetrics({
      version: '0.1.0',
      commit: 'abc1234',
      node: process.versions.node,
    });
    operator.reconciles.inc({ result: 'success' });
    operator.duration.observe(0.02);
    await assertLintClean(await operator.registry.metrics());
  });

  describe('a scrape of an adapter under load', function () {
    // The real adapter with RabbitMQ (127.0.0.1:5672), as the integration tests run it.
    const suite = useAdapter();

    it('passes promtool check metrics', async function () {
      this.timeout(60_000);
      const topic = `promtool/${uniqueId()}`;
      const subs = await Promise.all(
        [0, 1, 2].map(async (qos) => {
          const s = await Mqtt.connect(suite.port, { protocolVersion: qos === 2 ? 5 : 4 });
          await s.subscribe(`${topic}/#`, qos as 0 | 1 | 2);
          return s;
        }),
      );
      const pub = await Mqtt.connect(suite.port, { protocolVersion: 5 });
      for (let i = 0; i < 30; i++) await pub.publish(`${topic}/${i % 3}`, `m${i}`, (i % 3) as 0 | 1 | 2);
      for (const s of subs) await s.waitFor('m29');
      const { client: refused } = await RawMqtt.connect(suite.port, {
        clientId: uniqueId(),
        password: Buffer.from('bad'),
      });
      await refused.waitClosed();

      const scrape = (await httpGet(suite.adapter.ports.http, '/metrics')).body;
      assert.ok(
        (metricValue(scrape, 'mqtt_adapter_messages_published_total', { qos: '2' }) ?? 0) >= 10,
        scrape,
      );
      assert.ok((metricValue(scrape, 'mqtt_adapter_amqp_confirm_seconds_count') ?? 0) > 0);
      await assertLintClean(scrape);
    });
  });
});
