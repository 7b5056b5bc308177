import type { Gauge } from 'prom-client';
import type { MqttListenerStatusCondition } from '../api/types.generated';

export type ConditionLabel = 'listener_namespace' | 'listener' | 'type' | 'status' | 'reason';
type Labels = Record<ConditionLabel, string>;

/**
 * Keeps one series per condition of each listener in
 * mqtt_adapter_operator_listener_condition, always 1, its status and reason
 * as labels: a changed condition replaces its series, a deleted listener
 * takes its series away. Labels say `listener_namespace` and `listener`, not
 * `namespace` and `name`, which Prometheus sets to the operator pod's own.
 */
export class ConditionSeries {
  private readonly current = new Map<string, Labels[]>();

  constructor(private readonly gauge: Gauge<ConditionLabel>) {}

  set(namespace: string, name: string, conditions: readonly MqttListenerStatusCondition[]): void {
    this.forget(namespace, name);
    const labels = conditions.map((c) => ({
      listener_namespace: namespace,
      listener: name,
      type: c.type,
      status: c.status,
      reason: c.reason,
    }));
    for (const l of labels) this.gauge.set(l, 1);
    this.current.set(`${namespace}/${name}`, labels);
  }

  forget(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    for (const l of this.current.get(key) ?? []) this.gauge.remove(l);
    this.current.delete(key);
  }
}
