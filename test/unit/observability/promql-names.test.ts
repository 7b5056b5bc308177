import { strict as assert } from 'node:assert';
import { exposedNames, metricNames } from './promql-names';

describe('metric names in PromQL', () => {
  it('keeps selected metrics and drops functions, labels, ranges, grouping and Grafana variables', () => {
    assert.deepEqual(
      metricNames(
        'histogram_quantile(0.99, sum by (le, operation) (rate(mqtt_adapter_redis_command_seconds_bucket{namespace=~"$namespace", job="a{b}"}[$__rate_interval])))',
      ),
      ['mqtt_adapter_redis_command_seconds_bucket'],
    );
  });

  it('finds both sides of binary operators and skips keywords, numbers and durations', () => {
    assert.deepEqual(
      metricNames(
        'up == 0 and on (job, instance) max_over_time(build_info[1h] offset 5m) > 1e3 unless bool x:rule',
      ),
      ['up', 'build_info', 'x:rule'],
    );
    assert.deepEqual(metricNames('a / ignoring (qos) group_left (pod) b'), ['a', 'b']);
  });

  it('expands histogram families to their series', () => {
    const names = exposedNames('# HELP h x\n# TYPE h histogram\n# TYPE c counter\nc 1\n');
    assert.deepEqual([...names].sort(), ['c', 'h', 'h_bucket', 'h_count', 'h_sum']);
  });
});
