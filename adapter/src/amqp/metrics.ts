import type { Counter, Gauge, Histogram } from 'prom-client';

/** The AMQP side's instruments, handed in so this module does not own the registry. */
export interface AmqpMetrics {
  readonly connections: Gauge;
  readonly channels: Gauge;
  readonly connectFailures: Counter;
  readonly confirmLatency: Histogram;
  readonly staleFrames: Counter;
  /** Clean sessions' queues taken from those declared ahead (MQTT_ADAPTER_READY_QUEUES). */
  readonly readyQueuesTaken: Counter;
}
