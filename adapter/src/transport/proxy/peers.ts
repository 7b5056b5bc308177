import type * as net from 'node:net';
import type { Config } from '../../config/settings';
import { formatEndpoint, type Endpoint } from './types';

/**
 * Who a connection is from: `remote` the client, `proxy` the proxy it came
 * through, if any; `localPort` the port the client dialed (the proxy's, when
 * a header names it, as RabbitMQ takes it for its port-to-vhost mapping).
 */
export interface Peer {
  readonly remote: string;
  readonly proxy?: string;
  readonly localPort?: number;
}

export type PeerOf = (socket: net.Socket) => Peer;

type Addressed = Pick<net.Socket, 'remoteAddress' | 'remotePort' | 'localAddress' | 'localPort'>;

const socketPeer = (s: Addressed): string => `${s.remoteAddress}:${s.remotePort}`;

/** A socket's own peer, for listeners without the PROXY protocol. */
export const directPeer: PeerOf = (s) => ({ remote: socketPeer(s), localPort: s.localPort });

/**
 * A socket's own peer without the port it was dialed on. Reading a socket's
 * local port has Node keep its local address, an object and a string per
 * connection (about 90 bytes), which only a port-to-vhost mapping needs.
 */
export const remotePeer: PeerOf = (s) => ({ remote: socketPeer(s) });

/**
 * Who the listeners' connections are from: the PROXY header's client when the
 * protocol is on, else the socket's peer, with the dialed port only when a port picks the vhost.
 */
export function listenerPeers(
  config: Pick<Config, 'proxyProtocol' | 'vhostByPort'>,
  proxied: ProxiedPeers,
): PeerOf {
  if (config.proxyProtocol !== 'off') return proxied.peerOf;
  return Object.keys(config.vhostByPort).length > 0 ? directPeer : remotePeer;
}

/**
 * The client each proxied connection stands for, from its PROXY header, while
 * the connection is open. Looked up by the TCP 4-tuple rather than the socket
 * object, since a TLS listener hands on a TLSSocket wrapping the socket the
 * header came on; the tuple is the same and no two open connections share it.
 */
export class ProxiedPeers {
  private readonly clients = new Map<string, { readonly remote: string; readonly localPort: number }>();

  private static key(s: Addressed): string {
    return `${s.localAddress}:${s.localPort}|${socketPeer(s)}`;
  }

  /** Records the client behind `socket` until it closes. */
  record(socket: net.Socket, client: Endpoint, dialed: Endpoint): void {
    const key = ProxiedPeers.key(socket);
    this.clients.set(key, { remote: formatEndpoint(client), localPort: dialed.port });
    socket.once('close', () => this.clients.delete(key));
  }

  readonly peerOf: PeerOf = (s) => {
    const client = this.clients.get(ProxiedPeers.key(s));
    return client === undefined ? directPeer(s) : { ...client, proxy: socketPeer(s) };
  };
}
