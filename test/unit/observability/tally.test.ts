import { strict as assert } from 'node:assert';
import { Registry } from 'prom-client';
import { Tally } from '../../../adapter/src/observability/tally';

describe('unit: Tally', function () {
  it('hands its sums to the counter at each scrape, by label value', async function () {
    const registry = new Registry();
    const t = new Tally({ name: 'packets_total', help: 'h', label: 'type', registers: [registry] });
    t.add('publish');
    t.add('publish', 2);
    t.add('pingreq');
    assert.match(await registry.metrics(), /packets_total\{type="publish"\} 3\n/);
    t.add('publish');
    const text = await registry.metrics();
    assert.match(text, /packets_total\{type="publish"\} 4\n/);
    assert.match(text, /packets_total\{type="pingreq"\} 1\n/);
  });

  it('counts without a label', async function () {
    const registry = new Registry();
    const t = new Tally({ name: 'bytes_total', help: 'h', registers: [registry] });
    assert.match(await registry.metrics(), /bytes_total 0\n/);
    t.add('', 100);
    t.add('', 28);
    assert.match(await registry.metrics(), /bytes_total 128\n/);
  });
});
