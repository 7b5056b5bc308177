import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { Tally } from './tally';
import type { AmqpMetrics } from '../amqp/metrics';
import type { StoreMetrics } from '../store/instrumented';
import type { BuildInfo } from '../cli/build-info';

const P = 'mqtt_adapter_';

/** Every instrument of one adapter process, on a registry of its own. */
export function createMetrics(build?: BuildInfo) {
  const registry = new Registry();
  // Node's default metrics keep their standard names (process_*, nodejs_*), so stock Node.js dashboards work.
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  if (build) {
    // The usual info-metric shape: always 1, the build in its labels, so a query can join on it.
    new Gauge({
      name: `${P}build_info`,
      help: 'The running build: version, commit and Node.js version as labels; always 1',
      labelNames: ['version', 'commit', 'node'],
      registers,
    }).set(build, 1);
  }
  const amqp: AmqpMetrics = {
    connections: new Gauge({ name: `${P}amqp_connections`, help: 'Open pooled AMQP connections', registers }),
    channels: new Gauge({ name: `${P}amqp_channels`, help: 'Open AMQP channels', registers }),
    connectFailures: new Counter({
      name: `${P}amqp_connect_failures_total`,
      help: 'Failed AMQP logins and connects',
      registers,
    }),
    confirmLatency: new Histogram({
      name: `${P}amqp_confirm_seconds`,
      help: 'Time from publish to RabbitMQ confirm',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    staleFrames: new Counter({
      name: `${P}amqp_stale_frames_dropped_total`,
      help: 'AMQP frames RabbitMQ sent on a channel after closing it, dropped rather than ending the connection',
      registers,
    }),
    readyQueuesTaken: new Counter({
      name: `${P}amqp_ready_queues_taken_total`,
      help: "Clean sessions' queues taken from those declared ahead (MQTT_ADAPTER_READY_QUEUES) rather than declared at their SUBSCRIBE",
      registers,
    }),
  };
  const redis: StoreMetrics = {
    seconds: new Histogram({
      name: `${P}redis_command_seconds`,
      help: 'Time of Redis store operations (one script or round trip each), by store and method',
      labelNames: ['operation'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5],
      registers,
    }),
    errors: new Counter({
      name: `${P}redis_errors_total`,
      help: 'Failed Redis store operations by store and method; "connection" counts client connection errors',
      labelNames: ['operation'],
      registers,
    }),
  };
  return {
    registry,
    amqp,
    redis,
    connections: new Gauge({
      name: `${P}connections`,
      help: 'Open MQTT connections',
      labelNames: ['transport'],
      registers,
    }),
    connectsInProgress: new Gauge({
      name: `${P}connects_in_progress`,
      help: 'CONNECTs being worked on, those refused at their deadline whose work goes on in the background included',
      registers,
    }),
    connects: new Counter({
      name: `${P}connects_total`,
      help: 'CONNECT results by reason',
      labelNames: ['result'],
      registers,
    }),
    packetsIn: new Tally({
      name: `${P}packets_received_total`,
      help: 'MQTT packets received by type',
      label: 'type',
      registers,
    }),
    packetsOut: new Tally({
      name: `${P}packets_sent_total`,
      help: 'MQTT packets sent by type',
      label: 'type',
      registers,
    }),
    bytesIn: new Tally({ name: `${P}received_bytes_total`, help: 'Bytes read from MQTT sockets', registers }),
    bytesOut: new Tally({ name: `${P}sent_bytes_total`, help: 'Bytes written to MQTT sockets', registers }),
    published: new Tally({
      name: `${P}messages_published_total`,
      help: 'Messages published to RabbitMQ by QoS',
      label: 'qos',
      registers,
    }),
    delivered: new Tally({
      name: `${P}messages_delivered_total`,
      help: 'Messages delivered to clients by QoS',
      label: 'qos',
      registers,
    }),
    qos0Dropped: new Counter({
      name: `${P}qos0_dropped_total`,
      help: 'QoS 0 messages dropped for congested clients',
      registers,
    }),
    qos2DuplicatesDropped: new Counter({
      name: `${P}qos2_duplicates_dropped_total`,
      help: 'Copies of QoS 2 messages published again after a replica failure, dropped as already delivered',
      registers,
    }),
    willsPublished: new Counter({
      name: `${P}wills_published_total`,
      help: 'Wills published, by who published them: the closing connection, a delay, or the sweep of a dead replica',
      labelNames: ['source'],
      registers,
    }),
    willRetries: new Counter({
      name: `${P}will_retries_total`,
      help: 'Will publishes tried again after RabbitMQ did not take one (a nack, or its channel or connection lost)',
      registers,
    }),
    willsFailed: new Counter({
      name: `${P}wills_failed_total`,
      help: 'Wills that could not be published',
      registers,
    }),
    storeRetriesDropped: new Counter({
      name: `${P}store_retries_dropped_total`,
      help: 'Store work of closed connections (a will to settle, a client id to release) given up on, by reason: attempts (still failing after every retry), overflow (the backlog was full)',
      labelNames: ['reason'] as const,
      registers,
    }),
    sessionsResumed: new Counter({
      name: `${P}sessions_resumed_total`,
      help: 'CONNECTs that resumed a stored session',
      registers,
    }),
    sessionsExpired: new Counter({
      name: `${P}sessions_expired_total`,
      help: 'Sessions the store ended at their expiry while no connection held them, handed to this replica by its sweep',
      registers,
    }),
    sessionQueuesDeleted: new Counter({
      name: `${P}session_queues_deleted_total`,
      help: 'Queues of expired sessions this replica deleted (a queue in use by a new session of the client id, or missing, stays uncounted)',
      registers,
    }),
    takeovers: new Counter({
      name: `${P}takeovers_total`,
      help: 'Connections closed because another took their client id',
      registers,
    }),
    rebalanceDisconnects: new Counter({
      name: `${P}rebalance_disconnects_total`,
      help: 'Clients this replica handed off to rebalance (v5: DISCONNECT 0x9C; v3: closed)',
      registers,
    }),
    rebalanceRounds: new Counter({
      name: `${P}rebalance_rounds_total`,
      help: 'Rebalance rounds this replica started, above the average, by the trigger of their rebalance (its later rounds included): scale-out (a replica joined) or request (POST /rebalance)',
      labelNames: ['trigger'] as const,
      registers,
    }),
    sessions: new Gauge({
      name: `${P}sessions`,
      help: 'Sessions this process holds (its registry of client ids)',
      registers,
    }),
    internalErrors: new Counter({
      name: `${P}internal_errors_total`,
      help: 'Unexpected errors; each closed its one connection',
      labelNames: ['where'] as const,
      registers,
    }),
    deadlinesExceeded: new Counter({
      name: `${P}deadlines_exceeded_total`,
      help: 'CONNECT pipelines, session closes and SUBSCRIBE holds on matching publishes that passed their deadline',
      labelNames: ['step'] as const,
      registers,
    }),
    fenced: new Counter({
      name: `${P}fenced_total`,
      help: 'Connections closed because the store showed a newer owner of their client id',
      registers,
    }),
    subscriptionsRefused: new Counter({
      name: `${P}subscriptions_refused_total`,
      help: 'SUBSCRIBE topic filters refused, by reason: quota (the per-client cap), invalid, not-authorized, error',
      labelNames: ['reason'] as const,
      registers,
    }),
    protocolErrors: new Counter({
      name: `${P}protocol_errors_total`,
      help: 'Connections closed for bad input',
      labelNames: ['kind'],
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
