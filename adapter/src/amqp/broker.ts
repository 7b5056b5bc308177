import type { Logger } from 'pino';
import { ConnectionPool, type PooledConnection } from './pool';
import { ClientLink } from './client-link';
import { FastPath } from './fast-path';
import { ReadyQueues, readyQueueNames } from './ready-queues';
import type { Credentials } from './credentials';
import type { AmqpTls } from './pool';
import { connectionName } from './connection-name';
import type { BrokerPort } from '../ports/broker';
import type { AmqpMetrics } from './metrics';

export interface BrokerOptions {
  /** RabbitMQ nodes: one address, or every node of a cluster. */
  readonly urls: readonly string[];
  /** Topic exchange MQTT publishes go to. */
  readonly exchange: string;
  /** This replica's name, in every AMQP connection's name and in its QoS 0 queues' names. */
  readonly pod: string;
  /** Longest wait for one node to accept a connection before the next is tried. */
  readonly attemptTimeoutMs: number;
  /** Channels asked for per pooled connection (RabbitMQ may grant fewer). */
  readonly channelMax: number;
  /** TLS material of amqps:// connections. */
  readonly tls?: AmqpTls;
  /** Longest wait for RabbitMQ to answer a pooled connection's close before its socket is destroyed. */
  readonly closeTimeoutMs: number;
  /** Longest wait for the confirm of a publish, or a reply on an open channel; past it the wait fails as on a lost channel. */
  readonly confirmTimeoutMs: number;
  /** Queues each pooled connection keeps declared for clean sessions' first queue-backed SUBSCRIBE; 0: none. */
  readonly readyQueues: number;
}

/**
 * The AMQP port the session uses: logs clients in as their RabbitMQ user and
 * hands out per-client links on pooled connections.
 */
export class Broker implements BrokerPort {
  private readonly pool: ConnectionPool;
  private readonly fastPaths = new WeakMap<PooledConnection, FastPath>();
  private readonly ready = new WeakMap<PooledConnection, ReadyQueues>();

  private readonly exchange: string;
  private readonly pod: string;
  private readonly confirmTimeoutMs: number;
  private readonly readySize: number;
  private readonly log: Logger;

  constructor(
    options: BrokerOptions,
    private readonly metrics: AmqpMetrics,
    log: Logger,
  ) {
    const { urls, exchange, pod, attemptTimeoutMs, channelMax, tls, closeTimeoutMs } = options;
    [this.exchange, this.pod, this.confirmTimeoutMs] = [exchange, pod, options.confirmTimeoutMs];
    this.readySize = options.readyQueues;
    this.log = log;
    const name = (c: Credentials): string => connectionName(pod, c);
    this.pool = new ConnectionPool(
      {
        urls,
        attemptTimeoutMs,
        name,
        channelMax,
        tls,
        closeTimeoutMs,
        rpcTimeoutMs: options.confirmTimeoutMs,
      },
      metrics,
      log,
    );
  }

  /** Throws MqttError(BadUserNameOrPassword | NotAuthorized | ServerUnavailable). */
  async login(c: Credentials): Promise<ClientLink> {
    const conn = await this.pool.acquire(c);
    return new ClientLink(conn, this.exchange, this.metrics, this, this.confirmTimeoutMs);
  }

  /** The QoS 0 fast path of a pooled connection, made on first use. */
  fastPath(conn: PooledConnection): FastPath {
    let fp = this.fastPaths.get(conn);
    if (!fp) {
      fp = new FastPath(conn, this.exchange, `mqtt-adapter-qos0-${this.pod}-`, this.confirmTimeoutMs);
      this.fastPaths.set(conn, fp);
    }
    return fp;
  }

  /** The ready queues of a pooled connection, made on first use; undefined when the setting is 0. */
  readyQueues(conn: PooledConnection): ReadyQueues | undefined {
    if (this.readySize === 0) return undefined;
    let r = this.ready.get(conn);
    if (!r) {
      const { user, vhost } = conn.credentials;
      const refused = (err: Error): void =>
        this.log.info(
          { user, vhost, err: err.message },
          'RabbitMQ refused a ready queue (MQTT_ADAPTER_READY_QUEUES): clean sessions of this user get client-id queues',
        );
      r = new ReadyQueues(conn, this.readySize, readyQueueNames(this.pod), this.confirmTimeoutMs, refused);
      this.ready.set(conn, r);
    }
    return r;
  }

  get connections(): number {
    return this.pool.size;
  }

  /** Pooled connections per RabbitMQ node, in configuration order. */
  get spread(): readonly number[] {
    return this.pool.spread;
  }

  close(): Promise<void> {
    return this.pool.closeAll();
  }
}
