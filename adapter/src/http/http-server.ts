import * as http from 'node:http';
import type { Registry } from 'prom-client';

export interface Health {
  /** Why the process is not ready, or an empty list when it is. */
  notReady(): Promise<string[]>;
}

/** `/healthz` (alive), `/readyz` (dependencies reachable, listeners up) and `/metrics`, on one port. */
export function httpServer(registry: Registry, health: Health): http.Server {
  return http.createServer((req, res) => {
    void route(req.url ?? '/', registry, health).then(([status, type, body]) => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    });
  });
}

async function route(url: string, registry: Registry, health: Health): Promise<[number, string, string]> {
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
    default:
      return [404, 'text/plain', 'not found\n'];
  }
}
