import * as net from 'node:net';
import * as tls from 'node:tls';
import type { KeyPair } from './tls';

/**
 * A TLS endpoint in front of a plain TCP one (RabbitMQ's 5672), standing in
 * for a RabbitMQ node with an amqps:// listener whose certificate a private
 * CA signed. Counts completed handshakes; `close()` ends every connection.
 */
export interface TlsTerminator {
  readonly port: number;
  /** TLS handshakes completed so far. */
  readonly handshakes: number;
  close(): Promise<void>;
}

export async function startTlsTerminator(
  pair: KeyPair,
  target: { host: string; port: number },
): Promise<TlsTerminator> {
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  let handshakes = 0;
  const server = tls.createServer({ cert: pair.cert, key: pair.key }, (client) => {
    handshakes++;
    const upstream = net.connect(target);
    track(upstream);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  // Raw sockets too, so a handshake that never finishes is closed as well.
  server.on('connection', track);
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    get handshakes() {
      return handshakes;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
