import type * as http from 'node:http';

/** How often Node looks for HTTP requests past their time (its default is 30 s). */
const CHECK_MS = 1000;

/**
 * Server options that give a request head, and a socket that sends nothing,
 * at most `ms`. Node sets no bound on a socket that sends nothing and 60 s or
 * more on a request head; `idle` is applied with `server.setTimeout` (see
 * boundRequestTime). An upgraded WebSocket leaves these: `ws` clears the idle
 * timeout, and the HTTP request timeouts end with the request.
 */
export function requestTimeouts(ms: number): http.ServerOptions {
  return { headersTimeout: ms, requestTimeout: ms, connectionsCheckingInterval: Math.min(ms, CHECK_MS) };
}

/** Closes a socket of `server` idle for `ms` (one that never sends a request, or stalls in one). */
export function boundIdle<S extends http.Server>(server: S, ms: number): S {
  server.setTimeout(ms);
  return server;
}
