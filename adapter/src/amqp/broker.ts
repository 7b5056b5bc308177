import type { Logger } from 'pino';
import { ConnectionPool, type PooledConnection } from './pool';
import { ClientLink } from './client-link';
import { FastPath } from './fast-path';
import type { Credentials } from './credentials';
import type { BrokerPort } from '../ports/broker';
import type { AmqpMetrics } from './metrics';

/**
 * The AMQP port the session uses: logs clients in as their RabbitMQ user and
 * hands out per-client links on pooled connections.
 */
export class Broker implements BrokerPort {
  private readonly pool: ConnectionPool;
  private readonly fastPaths = new WeakMap<PooledConnection, FastPath>();

  constructor(
    private readonly url: string,
    private readonly exchange: string,
    private readonly pod: string,
    private readonly metrics: AmqpMetrics,
    log: Logger,
  ) {
    this.pool = new ConnectionPool(url, metrics, log);
  }

  /** Throws MqttError(BadUserNameOrPassword | NotAuthorized | ServerUnavailable). */
  async login(c: Credentials): Promise<ClientLink> {
    const conn = await this.pool.acquire(c);
    return new ClientLink(conn, this.exchange, this.metrics, () => this.fastPath(conn));
  }

  private fastPath(conn: PooledConnection): FastPath {
    let fp = this.fastPaths.get(conn);
    if (!fp) {
      fp = new FastPath(conn, this.exchange, `mqtt-adapter-qos0-${this.pod}-`);
      this.fastPaths.set(conn, fp);
    }
    return fp;
  }

  get connections(): number {
    return this.pool.size;
  }

  get address(): string {
    return this.url;
  }

  close(): Promise<void> {
    return this.pool.closeAll();
  }
}
