import { strict as assert } from 'node:assert';
import { cpuTable, microsPerMessage } from '../../../bench/report/cpu-table';
import type { RunResults } from '../../../bench/run/results';
import type { StepResult } from '../../../bench/run/step-result';

const step = (rate: number, received: number, cpu: Record<string, number>): StepResult =>
  ({ rate, received, cpu }) as unknown as StepResult;

describe('bench report: fan-in CPU per delivered message by process', () => {
  it('divides each process CPU by the deliveries of the step, in µs', () => {
    const s = step(5000, 10_000, { adapter: 0.95, rabbitmq: 1.06, redis: 0 });
    assert.equal(microsPerMessage(s, 'adapter'), 95);
    assert.equal(Math.round(microsPerMessage(s, 'rabbitmq')), 106);
    assert.equal(microsPerMessage(s, 'redis'), 0);
  });

  it('has no figure for a process that did not run or a step that delivered nothing', () => {
    assert.ok(Number.isNaN(microsPerMessage(step(2000, 4000, { rabbitmq: 0.5 }), 'adapter')));
    assert.ok(Number.isNaN(microsPerMessage(step(2000, 0, { adapter: 0.5 }), 'adapter')));
    assert.ok(Number.isNaN(microsPerMessage(undefined, 'adapter')));
  });

  it('takes the median over repetitions at 2k and 5k msg/s and skips other rates', () => {
    const rep = (a: number) => ({
      steps: [
        step(1000, 2000, { adapter: 9, rabbitmq: 9 }),
        step(2000, 4000, { adapter: a, rabbitmq: 0.4, redis: 0.004 }),
        step(5000, 10_000, { adapter: 2 * a, rabbitmq: 1 }),
      ],
    });
    const r = {
      systems: ['adapter', 'amqp-ceiling'],
      fanIn: {
        '100 publishers, QoS 0': {
          adapter: [rep(0.1), rep(0.3), rep(0.2)],
          'amqp-ceiling': [{ steps: [step(2000, 4000, { rabbitmq: 0.3 })] }],
        },
      },
    } as unknown as RunResults;
    const lines = cpuTable(r).split('\n');
    assert.deepEqual(lines.slice(2), [
      '| 100 publishers, QoS 0 | adapter | 2,000 | 50.0 | 100.0 | 1.0 |',
      '| 100 publishers, QoS 0 | adapter | 5,000 | 40.0 | 100.0 | – |',
      '| 100 publishers, QoS 0 | raw AMQP (ceiling) | 2,000 | – | 75.0 | – |',
    ]);
  });
});
