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
  /** Bytes of a leg held from the frame `holdFrom` waited for; written out on `release()`. */
  private readonly stashed = new Map<net.Socket, Buffer>();
  /** The legs `holdFrom` reads frame by frame, and its reader on each. */
  private readonly readers = new Map<net.Socket, (chunk: Buffer) => void>();

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

  /**
   * Passes RabbitMQ's frames on until the first method frame of `classId` and
   * `methodId` (basic.consume-ok is 60, 21), then holds that frame and
   * everything after it, as `hold()` does. Armed at a quiet moment, when no
   * frame is half passed, as the frames are read from the next byte on.
   */
  holdFrom(classId: number, methodId: number): void {
    for (const [upstream, client] of this.legs) {
      upstream.unpipe(client);
      let buf = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        buf = Buffer.concat([buf, chunk]);
        let at = 0;
        // A frame: type (1), channel (2), size (4), payload, frame end (1); a method's payload opens with its class and method ids.
        while (buf.length - at >= 11) {
          const end = at + 8 + buf.readUInt32BE(at + 3);
          if (
            buf[at] === 1 &&
            buf.readUInt16BE(at + 7) === classId &&
            buf.readUInt16BE(at + 9) === methodId
          ) {
            client.write(buf.subarray(0, at));
            upstream.off('data', onData);
            this.readers.delete(upstream);
            upstream.pause();
            this.held = true;
            this.stashed.set(upstream, buf.subarray(at));
            return;
          }
          if (end > buf.length) break;
          at = end;
        }
        client.write(buf.subarray(0, at));
        buf = buf.subarray(at);
      };
      upstream.on('data', onData);
      // Unpiped, the leg stays paused: a 'data' listener alone does not start it again.
      upstream.resume();
      this.readers.set(upstream, onData);
    }
  }

  /** Passes on what was held, and everything after it. */
  release(): void {
    // Legs read by holdFrom that never met its frame were not held: they go back to a plain pipe.
    const passing = new Set(this.readers.keys());
    for (const [upstream, onData] of this.readers) {
      upstream.off('data', onData);
      upstream.pipe(this.legs.get(upstream) as net.Socket);
    }
    this.readers.clear();
    // Piping a second time would pass every byte twice.
    if (!this.held) return;
    this.held = false;
    for (const [upstream, client] of this.legs) {
      if (passing.has(upstream)) continue;
      const stash = this.stashed.get(upstream);
      this.stashed.delete(upstream);
      if (stash) client.write(stash);
      upstream.pipe(client);
    }
  }

  async close(): Promise<void> {
    for (const [upstream, client] of this.legs) {
      upstream.destroy();
      client.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
