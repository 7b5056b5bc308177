import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { RedisServer, freePort } from './redis-server';

const run = promisify(execFile);

/** Three private master nodes made into a Redis Cluster, all 16384 slots covered. */
export class RedisClusterServers {
  private constructor(readonly nodes: readonly RedisServer[]) {}

  static async start(): Promise<RedisClusterServers> {
    const nodes: RedisServer[] = [];
    for (let i = 0; i < 3; i++) {
      // An explicit bus port: the default (port + 10000) may not exist for high ports.
      const bus = await freePort();
      nodes.push(
        await RedisServer.start([
          '--cluster-enabled',
          'yes',
          '--cluster-port',
          String(bus),
          '--cluster-config-file',
          `nodes-${bus}.conf`,
          '--cluster-node-timeout',
          '2000',
        ]),
      );
    }
    const cluster = new RedisClusterServers(nodes);
    try {
      await run('redis-cli', ['--cluster', 'create', ...cluster.seeds().split(','), '--cluster-yes']);
      await cluster.waitUntilOk();
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** `host:port,...` as MQTT_ADAPTER_REDIS_URL takes it in cluster mode. */
  seeds(): string {
    return this.nodes.map((n) => `127.0.0.1:${n.port}`).join(',');
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }

  private async waitUntilOk(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(
        this.nodes.map(
          async (n) => (await run('redis-cli', ['-p', String(n.port), 'cluster', 'info'])).stdout,
        ),
      );
      if (states.every((s) => s.includes('cluster_state:ok'))) return;
      if (Date.now() > deadline) throw new Error('Redis Cluster did not reach cluster_state:ok');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
