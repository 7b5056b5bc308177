import type * as net from 'node:net';
import type { Log } from '../../log';
import { parseProxyHeader } from './header';
import type { ProxiedPeers } from './peers';
import type { ProxyHeader } from './types';

export type ProxyProtocolMode = 'off' | 'optional' | 'required';

export interface ProxyAcceptOptions {
  readonly mode: Exclude<ProxyProtocolMode, 'off'>;
  /** Longest wait for the whole header. */
  readonly deadlineMs: number;
  readonly peers: ProxiedPeers;
  readonly log: Log;
  /** Each connection refused for its header. */
  readonly onRefused: () => void;
}

type Outcome =
  | { readonly ok: true; readonly header: ProxyHeader | undefined; readonly rest: Buffer }
  | { readonly ok: false; readonly reason: string | undefined };

/**
 * Reads the PROXY header off `socket` before anything else sees it: within
 * `deadlineMs`, and never more bytes than the parser needs to decide (107 for
 * v1, 16 + its capped block for v2, plus the one read that brought them).
 * `done` gets the header and the bytes after it, or why the socket is refused
 * (undefined when the peer left first); every listener and the timer are gone by then.
 */
function readHeader(
  socket: net.Socket,
  required: boolean,
  deadlineMs: number,
  done: (o: Outcome) => void,
): void {
  let received: Buffer = Buffer.alloc(0);
  const finish = (o: Outcome): void => {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('error', onGone);
    socket.off('close', onGone);
    done(o);
  };
  const onGone = (): void => finish({ ok: false, reason: undefined });
  const onData = (chunk: Buffer): void => {
    received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
    const r = parseProxyHeader(received);
    if (r.status === 'incomplete') return;
    // Stop the flow before the listener goes, lest a chunk arrive with nobody to take it.
    socket.pause();
    if (r.status === 'complete') finish({ ok: true, header: r.header, rest: received.subarray(r.length) });
    else if (r.status === 'invalid') finish({ ok: false, reason: r.reason });
    else if (required) finish({ ok: false, reason: 'no PROXY header, and one is required' });
    else finish({ ok: true, header: undefined, rest: received });
  };
  const timer = setTimeout(
    () => finish({ ok: false, reason: `no complete PROXY header within ${deadlineMs} ms` }),
    deadlineMs,
  );
  socket.on('data', onData);
  socket.on('error', onGone);
  socket.on('close', onGone);
}

/** Sockets whose header is still awaited; `abort` closes them (the drain), as no connection owns them yet. */
export interface HeaderReader {
  abort(): void;
}

/**
 * Puts PROXY protocol reading in front of a listener (TCP, TLS or HTTP): the
 * server's own connection handling (for TLS the handshake, for HTTP the
 * upgrade request) starts only once the header has been read and taken off,
 * with the bytes after it put back. The client named in the header is
 * recorded in `peers`; a socket without a valid header is closed and logged.
 */
export function acceptProxyHeaders(server: net.Server, options: ProxyAcceptOptions): HeaderReader {
  const own = server.listeners('connection') as ((socket: net.Socket) => void)[];
  const pending = new Set<net.Socket>();
  server.removeAllListeners('connection');
  server.on('connection', (socket: net.Socket) => {
    const from = `${socket.remoteAddress}:${socket.remotePort}`;
    pending.add(socket);
    readHeader(socket, options.mode === 'required', options.deadlineMs, (o) => {
      pending.delete(socket);
      if (!o.ok) {
        if (o.reason !== undefined) {
          options.onRefused();
          options.log.warn({ remote: from, reason: o.reason }, 'PROXY protocol header refused; closing');
        }
        socket.destroy();
        return;
      }
      if (o.header?.kind === 'proxied') options.peers.record(socket, o.header.source, o.header.destination);
      if (o.rest.length > 0) socket.unshift(o.rest);
      for (const listener of own) listener.call(server, socket);
      // The socket was paused with the header read. A reader of its 'data' (MQTT over TCP, HTTP) needs it
      // flowing again; TLS reads the socket's handle itself, and a resumed socket would race it for the bytes.
      if (socket.listenerCount('data') > 0) socket.resume();
    });
  });
  return { abort: () => [...pending].forEach((s) => s.destroy()) };
}
