import { strict as assert } from 'node:assert';
import { parseRabbitState } from '../../guard/rabbit-state';
import { keyspaceDbs } from '../../guard/redis-state';
import { stateLeaks } from '../../guard/state';

describe('test leak checks: service state', () => {
  it('reads rabbitmqctl eval lines, queue values as consumer counts', () => {
    const state = parseRabbitState(
      [
        'vhost\t/',
        'queue\t/ mqtt-subscription-a\t2',
        'channel\t127.0.0.1:5000 -> 127.0.0.1:5672 (1)\t/ guest',
        'watermark\tvm_memory_high_watermark\t0.4',
        'ok',
        '',
      ].join('\n'),
    );
    assert.deepEqual(
      [...state],
      [
        ['vhost /', ''],
        ['queue / mqtt-subscription-a', 2],
        ['channel 127.0.0.1:5000 -> 127.0.0.1:5672 (1)', '/ guest'],
        ['watermark vm_memory_high_watermark', '0.4'],
      ],
    );
  });

  it('lists the databases INFO keyspace names', () => {
    assert.deepEqual(
      keyspaceDbs('# Keyspace\r\ndb0:keys=3,expires=0,avg_ttl=0\r\ndb5:keys=1,expires=1,avg_ttl=9\r\n'),
      [0, 5],
    );
    assert.deepEqual(keyspaceDbs('# Keyspace\r\n'), []);
  });

  it('reports what was added, counts that rose and values that changed', () => {
    const before = new Map<string, string | number>([
      ['queue / a', 1],
      ['queue / b', 0],
      ['watermark vm_memory_high_watermark', '0.4'],
    ]);
    const after = new Map<string, string | number>([
      ['queue / a', 2],
      ['queue / b', 0],
      ['queue / c', 0],
      ['redis db0 k', ''],
      ['watermark vm_memory_high_watermark', '0.0001'],
    ]);
    assert.deepEqual(stateLeaks(before, after), [
      '+ queue / c (0)',
      '+ redis db0 k',
      '~ queue / a: 1 -> 2',
      '~ watermark vm_memory_high_watermark: 0.4 -> 0.0001',
    ]);
  });

  it('takes nothing gone and no count fallen for a leak', () => {
    const before = new Map<string, string | number>([
      ['queue / a', 2],
      ['redis db0 k', ''],
    ]);
    assert.deepEqual(stateLeaks(before, new Map([['queue / a', 1]])), []);
  });
});
