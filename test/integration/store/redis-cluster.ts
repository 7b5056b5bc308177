import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { RedisServer, freePort } from './redis-server';

const run = promisify(execFile);

const cli = async (port: number, ...args: string[]): Promise<string> =>
  (await run('redis-cli', ['-p', String(port), ...args])).stdout;

/** One line of CLUSTER NODES: a node's port, whether it is a live master, and the slots it serves. */
interface NodeLine {
  readonly port: number;
  readonly master: boolean;
  readonly failed: boolean;
  readonly slots: readonly (readonly [number, number])[];
}

export function parseClusterNodes(text: string): NodeLine[] {
  return text
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((line) => {
      const f = line.trim().split(' ');
      const flags = f[2].split(',');
      const slots = f
        .slice(8)
        .filter((s) => /^\d+(-\d+)?$/.test(s))
        .map((s) => {
          const [a, b] = s.split('-').map(Number);
          return [a, b ?? a] as const;
        });
      return {
        port: Number(/:(\d+)@/.exec(f[1])?.[1]),
        master: flags.includes('master'),
        failed: flags.includes('fail') || flags.includes('fail?'),
        slots,
      };
    });
}

/**
 * Three private master nodes made into a Redis Cluster, all 16384 slots
 * covered; with `replicasPerMaster`, each master has that many replicas that
 * take over its slots when it fails.
 */
export class RedisClusterServers {
  private constructor(readonly nodes: readonly RedisServer[]) {}

  static async start(replicasPerMaster = 0, nodeTimeoutMs = 2000): Promise<RedisClusterServers> {
    const nodes: RedisServer[] = [];
    const cluster = new RedisClusterServers(nodes);
    try {
      for (let i = 0; i < 3 * (1 + replicasPerMaster); i++) {
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
            String(nodeTimeoutMs),
          ]),
        );
      }
      await run('redis-cli', [
        '--cluster',
        'create',
        ...cluster.seeds().split(','),
        '--cluster-replicas',
        String(replicasPerMaster),
        '--cluster-yes',
      ]);
      await cluster.waitUntilOk(3 * replicasPerMaster);
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

  /** The node that serves `key` now, as the cluster (seen from a live node) says. */
  async masterOf(key: string): Promise<RedisServer> {
    const asked = await this.liveNode();
    const slot = Number((await cli(asked.port, 'CLUSTER', 'KEYSLOT', key)).trim());
    const owner = parseClusterNodes(await cli(asked.port, 'CLUSTER', 'NODES')).find(
      (n) => n.master && !n.failed && n.slots.some(([a, b]) => slot >= a && slot <= b),
    );
    const found = this.nodes.find((n) => n.port === owner?.port);
    if (!found) throw new Error(`no live master serves slot ${slot}`);
    return found;
  }

  /** The nodes that are live masters now (a failover changes them). */
  async masters(): Promise<RedisServer[]> {
    const lines = parseClusterNodes(await cli((await this.liveNode()).port, 'CLUSTER', 'NODES'));
    return this.nodes.filter((n) => lines.some((l) => l.port === n.port && l.master && !l.failed));
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }

  private async liveNode(): Promise<RedisServer> {
    for (const n of this.nodes) if (await cli(n.port, 'PING').catch(() => '')) return n;
    throw new Error('no cluster node answers');
  }

  /** Every node says cluster_state:ok and the masters have `replicas` replicas online between them. */
  private async waitUntilOk(replicas: number, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(this.nodes.map((n) => cli(n.port, 'CLUSTER', 'INFO')));
      const roles = await Promise.all(this.nodes.map((n) => cli(n.port, 'INFO', 'replication')));
      const online = roles.reduce((s, r) => s + (r.match(/^slave\d+:.*state=online/gm)?.length ?? 0), 0);
      if (states.every((s) => s.includes('cluster_state:ok')) && online >= replicas) return;
      if (Date.now() > deadline) throw new Error('Redis Cluster did not reach cluster_state:ok');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
