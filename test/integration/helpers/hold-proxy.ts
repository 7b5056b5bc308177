import { once } from 'node:events';
import * as net from 'node:net';

/**
 * A TCP proxy in front of RabbitMQ that can hold back everything RabbitMQ
 * sends (publisher confirms among it) while the client's frames still go
 * through: RabbitMQ routes a held client's publishes, and the client hears of
 * it only on `release()`. Nothing is dropped; held bytes wait in the socket.
 */
export class HoldProxy {
  /** RabbitMQ -> client legs, one per proxied connection. */
  private readonly legs = new Map<net.Socket, net.Socket>();
  private readonly server = net.createServer((client) => this.accept(client));
  private held = false;

  private constructor(private readonly target: number) {}

  /** Listens on a free local port for connections to pass on to `target`. */
  static async start(target: number): Promise<HoldProxy> {
    const proxy = new HoldProxy(target);
    proxy.server.listen(0, '127.0.0.1');
    await once(proxy.server, 'listening');
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  private accept(client: net.Socket): void {
    const upstream = net.connect({ host: '127.0.0.1', port: this.target });
    this.legs.set(upstream, client);
    for (const s of [client, upstream]) {
      s.on('error', () => undefined);
      s.on('close', () => {
        this.legs.delete(upstream);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    if (this.held) upstream.pause();
    else upstream.pipe(client);
  }

  /** From now on RabbitMQ's frames wait in the proxy. */
  hold(): void {
    this.held = true;
    for (const [upstream, client] of this.legs) {
      upstream.unpipe(client);
      upstream.pause();
    }
  }

  /** Passes on what was held, and everything after it. */
  release(): void {
    // Piping a second time would pass every byte twice.
    if (!this.held) return;
    this.held = false;
    for (const [upstream, client] of this.legs) upstream.pipe(client);
  }

  async close(): Promise<void> {
    for (const [upstream, client] of this.legs) {
      upstream.destroy();
      client.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
