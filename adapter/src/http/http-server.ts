import * as http from 'node:http';
import type { Registry } from 'prom-client';
import { boundIdle, requestTimeouts } from './request-time';

export interface Health {
  /** Why the process is not ready, or an empty list when it is. */
  notReady(): Promise<string[]>;
}

/** Operator actions on the HTTP port. */
export interface Admin {
  /** Asks every replica to rebalance; the id of the request, or why it cannot be asked. */
  rebalance(): Promise<{ id: string } | { refused: string }>;
}

type Reply = [number, string, string];

/**
 * `/healthz` (alive), `/readyz` (dependencies reachable, listeners up),
 * `/metrics`, and `POST /rebalance`, on one port.
 */
export function httpServer(
  registry: Registry,
  health: Health,
  admin?: Admin,
  /** A socket's time to send a request (MQTT_ADAPTER_CONNECT_TIMEOUT_MS): Node would hold a silent one for good. */
  requestTimeMs = 10_000,
): http.Server {
  return boundIdle(
    http.createServer(requestTimeouts(requestTimeMs), (req, res) => {
      void route(req.method ?? 'GET', req.url ?? '/', registry, health, admin)
        .catch((err: unknown): Reply => [500, 'text/plain', `${(err as Error).message}\n`])
        .then(([status, type, body]) => {
          res.writeHead(status, { 'content-type': type });
          res.end(body);
        });
    }),
    requestTimeMs,
  );
}

async function route(
  method: string,
  url: string,
  registry: Registry,
  health: Health,
  admin: Admin | undefined,
): Promise<Reply> {
  switch (url.split('?')[0]) {
    case '/healthz':
      return [200, 'text/plain', 'ok\n'];
    case '/readyz': {
      const problems = await health.notReady();
      return problems.length === 0
        ? [200, 'text/plain', 'ready\n']
        : [503, 'text/plain', `${problems.join('\n')}\n`];
    }
    case '/metrics':
      return [200, registry.contentType, await registry.metrics()];
    case '/rebalance':
      return rebalance(method, admin);
    default:
      return [404, 'text/plain', 'not found\n'];
  }
}

async function rebalance(method: string, admin: Admin | undefined): Promise<Reply> {
  if (method !== 'POST') return [405, 'text/plain', 'POST /rebalance asks every replica to rebalance\n'];
  const r = admin
    ? await admin.rebalance()
    : { refused: 'rebalancing needs MQTT_ADAPTER_STORE=redis and MQTT_ADAPTER_REBALANCE=true' };
  if ('refused' in r) return [409, 'text/plain', `${r.refused}\n`];
  return [202, 'application/json', `${JSON.stringify({ request: r.id })}\n`];
}
