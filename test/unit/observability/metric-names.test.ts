import { strict as assert } from 'node:assert';
import { createMetrics } from '../../../adapter/src/observability/metrics';
import { OperatorMetrics } from '../../../operator/src/metrics';

/** Name and type of every metric family on a scrape. */
const families = (text: string): Map<string, string> =>
  new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));

describe('metric names', () => {
  const build = { version: '1.2.3', commit: 'abc1234', node: '24' };

  for (const [who, prefix, scrape] of [
    ['adapter', 'mqtt_adapter_', () => createMetrics(build).registry.metrics()],
    ['operator', 'mqtt_adapter_operator_', () => new OperatorMetrics(build).registry.metrics()],
  ] as const) {
    it(`${who}: Node's default metrics under their standard names, so stock Node.js dashboards work`, async () => {
      const names = families(await scrape());
      for (const standard of [
        'process_cpu_user_seconds_total',
        'process_resident_memory_bytes',
        'nodejs_heap_size_used_bytes',
      ])
        assert.ok(names.has(standard), `${standard} is missing`);
      const prefixed = [...names.keys()].filter((n) => /^mqtt_adapter_(operator_)?(process|nodejs)_/.test(n));
      assert.deepEqual(prefixed, []);
      const own = [...names.keys()].filter((n) => !/^(process|nodejs)_/.test(n));
      assert.ok(own.length > 0 && own.every((n) => n.startsWith(prefix)), own.join(', '));
    });

    it(`${who}: counters end in _total, with the unit just before it`, async () => {
      for (const [name, type] of families(await scrape())) {
        if (type !== 'counter') continue;
        assert.match(name, /_total$/, name);
        if (name.includes('bytes')) assert.match(name, /_bytes_total$/, name);
      }
    });
  }

  it('adapter: bytes read and written are mqtt_adapter_received_bytes_total and mqtt_adapter_sent_bytes_total', async () => {
    const m = createMetrics();
    m.bytesIn.add('', 10);
    m.bytesOut.add('', 7);
    const text = await m.registry.metrics();
    assert.match(text, /^mqtt_adapter_received_bytes_total 10$/m);
    assert.match(text, /^mqtt_adapter_sent_bytes_total 7$/m);
    assert.doesNotMatch(text, /bytes_received|bytes_sent/);
  });
});
