import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RedisServer } from './redis-server';

const run = promisify(execFile);

export const MASTER_NAME = 'mymaster';

export interface SentinelOptions {
  /** Sentinels watching the pair; a failover needs a majority of them (quorum n/2 + 1). */
  readonly sentinels?: number;
  /** `down-after-milliseconds`: how long the master may not answer before a Sentinel thinks it down. */
  readonly downAfterMs?: number;
}

/** A private master, its replica, and Sentinels (three by default) watching them. */
export class RedisSentinelServers {
  private constructor(
    /** Both data servers; which one is master changes with a failover (see master()). */
    readonly servers: readonly RedisServer[],
    readonly sentinels: readonly RedisServer[],
    private readonly confDir: string,
  ) {}

  static async start(options: SentinelOptions = {}): Promise<RedisSentinelServers> {
    const { sentinels: count = 3, downAfterMs = 500 } = options;
    // Redis waits 5 s by default before a diskless sync, in case more replicas come: a master killed
    // sooner would leave its replica empty. Either server may be master after a failover.
    const now = ['--repl-diskless-sync-delay', '0'];
    const master = await RedisServer.start(now);
    const replica = await RedisServer.start([...now, '--replicaof', '127.0.0.1', String(master.port)]);
    // Sentinel rewrites its config file, so each gets one of its own.
    const confDir = mkdtempSync(join(tmpdir(), 'mqtt-adapter-sentinel-'));
    const sentinels: RedisServer[] = [];
    const servers = new RedisSentinelServers([master, replica], sentinels, confDir);
    try {
      for (let i = 0; i < count; i++) {
        const conf = join(confDir, `sentinel-${i}.conf`);
        writeFileSync(
          conf,
          [
            `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master.port} ${Math.floor(count / 2) + 1}`,
            `sentinel down-after-milliseconds ${MASTER_NAME} ${downAfterMs}`,
            `sentinel failover-timeout ${MASTER_NAME} 2000`,
            '',
          ].join('\n'),
        );
        sentinels.push(await RedisServer.start([conf, '--sentinel']));
      }
      // A failover before the first sync would promote an empty replica.
      await replica.inSync();
    } catch (err) {
      await servers.stop();
      throw err;
    }
    return servers;
  }

  get master(): RedisServer {
    return this.servers[0];
  }

  /** `host:port,...` of the Sentinels, as MQTT_ADAPTER_REDIS_URL takes them in sentinel mode. */
  seeds(): string {
    return this.sentinels.map((s) => `127.0.0.1:${s.port}`).join(',');
  }

  /** The server the first Sentinel names master now. */
  async currentMaster(): Promise<RedisServer> {
    const { stdout } = await run('redis-cli', [
      '-p',
      String(this.sentinels[0].port),
      'SENTINEL',
      'get-master-addr-by-name',
      MASTER_NAME,
    ]);
    const port = Number(stdout.trim().split('\n')[1]);
    const found = this.servers.find((s) => s.port === port);
    if (!found) throw new Error(`Sentinel names an unknown master on port ${port}`);
    return found;
  }

  /** Waits until the replica has everything the master wrote (WAIT). */
  async replicated(): Promise<void> {
    await run('redis-cli', ['-p', String(this.master.port), 'WAIT', '1', '5000']);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.sentinels, ...this.servers].map((s) => s.stop()));
    rmSync(this.confDir, { recursive: true, force: true });
  }
}
