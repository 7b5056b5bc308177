import { once } from 'node:events';
import * as net from 'node:net';

/**
 * A TCP proxy in front of Redis that can cut the network: every open
 * connection is reset and new ones are refused until `restore()`, while Redis
 * itself keeps running (and keeps its keys, unlike a restart).
 */
export class RedisProxy {
  private readonly sockets = new Set<net.Socket>();
  private cut = false;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(target: number): Promise<RedisProxy> {
    const holder: { proxy?: RedisProxy } = {};
    const server = net.createServer((client) => holder.proxy?.accept(client, target));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    holder.proxy = new RedisProxy(server, (server.address() as net.AddressInfo).port);
    return holder.proxy;
  }

  private accept(client: net.Socket, target: number): void {
    if (this.cut) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect({ host: '127.0.0.1', port: target });
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        this.sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  }

  /** The network goes away: connections reset, new ones refused. */
  cutOff(): void {
    this.cut = true;
    for (const s of this.sockets) s.resetAndDestroy();
  }

  restore(): void {
    this.cut = false;
  }

  async close(): Promise<void> {
    this.cutOff();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
