import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BuildInfo } from '../../adapter/src/cli/build-info';

/** The operator's own metrics, under mqtt_adapter_operator_. */
export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconciles = new Counter({
    name: 'mqtt_adapter_operator_reconciles_total',
    help: 'Reconciles of MqttListeners, by result (success, error, blocked).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'mqtt_adapter_operator_reconcile_errors_total',
    help: 'Reconciles that failed and were retried with backoff.',
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'mqtt_adapter_operator_reconcile_duration_seconds',
    help: 'Time one reconcile took.',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'mqtt_adapter_operator_leader',
    help: '1 while this replica holds the leader Lease.',
    registers: [this.registry],
  });
  readonly informerLists = this.byResource(
    'mqtt_adapter_operator_informer_lists_total',
    'Full lists an informer made, by resource: one at start, one more after each watch answered 410 Gone (its resourceVersion too old).',
  );
  readonly watchErrors = this.byResource(
    'mqtt_adapter_operator_watch_errors_total',
    'Lists and watches that failed (API server unreachable, 401, 5xx), by resource; each is retried after 1 s.',
  );
  readonly listenerConditions = new Gauge({
    name: 'mqtt_adapter_operator_listener_condition',
    help: "Each MqttListener condition the leader last wrote, always 1: the listener's namespace and name, the condition type, its status and reason as labels.",
    labelNames: ['listener_namespace', 'listener', 'type', 'status', 'reason'] as const,
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'mqtt_adapter_operator_work_queue_depth',
    help: 'Listener keys waiting to be reconciled.',
    registers: [this.registry],
  });

  private byResource(name: string, help: string): Counter<'resource'> {
    return new Counter({ name, help, labelNames: ['resource'] as const, registers: [this.registry] });
  }

  constructor(build?: BuildInfo) {
    // Standard names (process_*, nodejs_*), as the adapter's, for stock Node.js dashboards.
    collectDefaultMetrics({ register: this.registry });
    if (build) {
      new Gauge({
        name: 'mqtt_adapter_operator_build_info',
        help: 'The running build: version, commit and Node.js version as labels; always 1.',
        labelNames: ['version', 'commit', 'node'] as const,
        registers: [this.registry],
      }).set(build, 1);
    }
  }
}
