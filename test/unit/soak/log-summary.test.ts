import { strict as assert } from 'node:assert';
import { warningsOf } from '../../../bench/soak/log-summary';

describe('soak: warnings of the adapter log, counted', () => {
  it('counts warn and worse by message, and by step where a line names one', () => {
    const lines = [
      '{"level":30,"msg":"mqtt-adapter listening"}',
      '{"level":40,"ms":5000,"step":"AMQP channels","msg":"session close passed its deadline; finishing in the background"}',
      '{"level":40,"ms":5000,"step":"AMQP channels","msg":"session close passed its deadline; finishing in the background"}',
      '{"level":40,"ms":5000,"step":"session save","msg":"session close passed its deadline; finishing in the background"}',
      '{"level":50,"msg":"unexpected \\"error\\""}',
    ];
    assert.deepEqual(warningsOf(lines.join('\n')), [
      {
        level: 'warn',
        msg: 'session close passed its deadline; finishing in the background (step: AMQP channels)',
        count: 2,
      },
      {
        level: 'warn',
        msg: 'session close passed its deadline; finishing in the background (step: session save)',
        count: 1,
      },
      { level: 'error', msg: 'unexpected \\"error\\"', count: 1 },
    ]);
  });
});
