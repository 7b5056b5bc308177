import { strict as assert } from 'node:assert';
import { oneToOneTable } from '../../../bench/report/load-tables';
import { markdown } from '../../../bench/report/markdown';
import { emptyTables, type RunResults } from '../../../bench/run/results';
import { QUICK } from '../../../bench/run/profile';
import type { StepResult } from '../../../bench/run/step-result';
import { NAMED_ONLY, SCENARIOS, units } from '../../../bench/run/units';

const step = (rate: number, p50: number, p99: number): StepResult =>
  ({
    rate,
    latency: { p50, p99, p999: 2 * p99 },
    lost: 0,
    perCpuSecond: 1000,
    sendLag: { p99: 100 },
  }) as unknown as StepResult;

const rep = (p50: number, p99: number, notes?: string[]) => ({ steps: [step(1000, p50, p99)], notes });

const results = (): RunResults =>
  ({
    runId: 'x',
    profile: 'quick',
    command: 'node build/bench/main.js',
    started: '2026-12-06T04:00:00.000Z',
    finished: '2026-12-06T04:10:00.000Z',
    commit: 'abc1234',
    pinned: true,
    systems: ['adapter', 'amqp-ceiling'],
    load: [{ at: '2026-12-06T04:00:00.000Z', loadavg: '1.00 1.00 1.00 1/100 1' }],
    notes: [],
    ...emptyTables(),
    oneToOne: {
      '100 pairs, QoS 1': { adapter: [rep(2000, 6000)], 'amqp-ceiling': [rep(1500, 3000)] },
    },
    oneToOneOffload: {
      '100 pairs, QoS 1': {
        adapter: [
          rep(1900, 4000, ['layout A']),
          rep(2100, 3000, ['layout A']),
          rep(2000, 5000, ['layout A']),
        ],
        'amqp-ceiling': [rep(1400, 2400, ['layout C']), rep(1600, 2600, ['layout C'])],
      },
    },
  }) as unknown as RunResults;

describe('bench: 1:1 latency in the offload layout', () => {
  it('tabulates the given table in the 1:1 shape, medians over repetitions and the p99 ratio', () => {
    const lines = oneToOneTable(results(), results().oneToOneOffload).split('\n');
    assert.deepEqual(lines.slice(2), [
      '| 100 pairs, QoS 1 | 1,000 | adapter | 2.00 | 4.00 | 8.00 |  | 0 | 1,000 | 0.10 |',
      '| 100 pairs, QoS 1 | 1,000 | raw AMQP (ceiling) | 1.50 | 2.50 | 5.00 | 1.60× | 0 | 1,000 | 0.10 |',
    ]);
  });

  it('tabulates the standard layout when no table is given', () => {
    const row = oneToOneTable(results()).split('\n')[3];
    assert.equal(
      row,
      '| 100 pairs, QoS 1 | 1,000 | raw AMQP (ceiling) | 1.50 | 3.00 | 6.00 | 2.00× | 0 | 1,000 | 0.10 |',
    );
  });

  it('gives the report a section of its own with the layout notes, apart from the 1:1 table', () => {
    const md = markdown(results(), {});
    const at = md.indexOf('## 1:1 latency, offload layout');
    assert.ok(at > md.indexOf('## 1:1 latency\n'));
    const section = md.slice(at);
    assert.match(section, /^- layout A$/m);
    assert.match(section, /^- layout C$/m);
    assert.match(section, /raw AMQP \(ceiling\) \| 1\.50 \| 2\.50 \|/);
  });

  it('leaves the section out of a report without offload 1:1 results', () => {
    const r = { ...results(), oneToOneOffload: {} } as RunResults;
    assert.ok(!markdown(r, {}).includes('offload layout'));
  });

  it('runs only when named, on the systems over RabbitMQ, starting its own processes', () => {
    assert.ok(!SCENARIOS.includes('one-to-one-offload'));
    assert.ok(NAMED_ONLY.includes('one-to-one-offload'));
    assert.equal(units(QUICK, SCENARIOS).filter((u) => u.scenario === 'one-to-one-offload').length, 0);
    const [u, ...rest] = units(QUICK, ['one-to-one-offload']);
    assert.equal(rest.length, 0);
    assert.equal(u.variant, '100 pairs, QoS 1');
    assert.equal(u.ownsSystem, true);
    assert.deepEqual(
      (['adapter', 'rabbitmq-mqtt', 'amqp-ceiling', 'mosquitto', 'aedes'] as const).filter((s) =>
        u.applies(s),
      ),
      ['adapter', 'rabbitmq-mqtt', 'amqp-ceiling'],
    );
  });
});
