import { strict as assert } from 'node:assert';
import type { MqttListenerStatusCondition } from '../../../operator/src/api/types.generated';
import { OperatorMetrics } from '../../../operator/src/metrics';
import { ConditionSeries } from '../../../operator/src/status/condition-series';

const cond = (
  type: MqttListenerStatusCondition['type'],
  status: MqttListenerStatusCondition['status'],
  reason: string,
): MqttListenerStatusCondition => ({ type, status, reason, lastTransitionTime: '2026-12-04T00:00:00Z' });

describe('operator: listener condition series', () => {
  const series = async (m: OperatorMetrics): Promise<string[]> =>
    (await m.registry.getSingleMetricAsString('mqtt_adapter_operator_listener_condition'))
      .split('\n')
      .filter((l) => !l.startsWith('#') && l);

  it('has one series per condition, replaced when it changes and removed with the listener', async () => {
    const m = new OperatorMetrics();
    const s = new ConditionSeries(m.listenerConditions);
    s.set('ns1', 'a', [cond('Ready', 'False', 'Blocked'), cond('Degraded', 'True', 'SecretNotFound')]);
    s.set('ns1', 'b', [cond('Degraded', 'False', 'AsExpected')]);
    assert.deepEqual(await series(m), [
      'mqtt_adapter_operator_listener_condition{listener_namespace="ns1",listener="a",type="Ready",status="False",reason="Blocked"} 1',
      'mqtt_adapter_operator_listener_condition{listener_namespace="ns1",listener="a",type="Degraded",status="True",reason="SecretNotFound"} 1',
      'mqtt_adapter_operator_listener_condition{listener_namespace="ns1",listener="b",type="Degraded",status="False",reason="AsExpected"} 1',
    ]);
    s.set('ns1', 'a', [cond('Degraded', 'False', 'AsExpected')]);
    s.forget('ns1', 'b');
    assert.deepEqual(await series(m), [
      'mqtt_adapter_operator_listener_condition{listener_namespace="ns1",listener="a",type="Degraded",status="False",reason="AsExpected"} 1',
    ]);
  });
});
