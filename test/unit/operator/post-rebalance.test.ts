import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postRebalance } from '../../../operator/src/rebalance/post-rebalance';

/** A local HTTP server standing in for an adapter pod's http port. */
async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('operator: POST /rebalance to a pod', () => {
  let server: Server | undefined;
  afterEach(async () => {
    const s = server;
    server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  });

  const target = (port: number) => ({ pod: 'p', host: '127.0.0.1', port });

  it("takes the request id of the adapter's 202", async () => {
    let seen = '';
    const s = await serve((req, res) => {
      seen = `${req.method} ${req.url}`;
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"request":"abc"}\n');
    });
    server = s.server;
    assert.deepEqual(await postRebalance(target(s.port), 2000), { request: 'abc' });
    assert.equal(seen, 'POST /rebalance');
  });

  it("gives the adapter's refusal as the reason", async () => {
    const s = await serve((_, res) => res.writeHead(409).end('rebalancing needs MQTT_ADAPTER_STORE=redis\n'));
    server = s.server;
    assert.deepEqual(await postRebalance(target(s.port), 2000), {
      failed: 'answered 409: rebalancing needs MQTT_ADAPTER_STORE=redis',
    });
  });

  it('gives up at the deadline on a pod that never answers', async () => {
    const s = await serve(() => undefined);
    server = s.server;
    const started = Date.now();
    assert.deepEqual(await postRebalance(target(s.port), 300), { failed: 'no answer within 300 ms' });
    assert.ok(Date.now() - started < 2000);
  });

  it('fails on a refused connection', async () => {
    const s = await serve(() => undefined);
    await new Promise((r) => s.server.close(r));
    const r = await postRebalance(target(s.port), 2000);
    assert.ok('failed' in r && /ECONNREFUSED/.test(r.failed), JSON.stringify(r));
  });
});
