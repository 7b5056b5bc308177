import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RedisServer } from './redis-server';

const run = promisify(execFile);

export const MASTER_NAME = 'mymaster';

/** A private master, its replica, and one Sentinel (quorum 1) watching them. */
export class RedisSentinelServers {
  private constructor(
    readonly master: RedisServer,
    readonly replica: RedisServer,
    readonly sentinel: RedisServer,
    private readonly confDir: string,
  ) {}

  static async start(): Promise<RedisSentinelServers> {
    const master = await RedisServer.start();
    const replica = await RedisServer.start(['--replicaof', '127.0.0.1', String(master.port)]);
    // Sentinel rewrites its config file, so it gets one of its own.
    const confDir = mkdtempSync(join(tmpdir(), 'mqtt-adapter-sentinel-'));
    const conf = join(confDir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master.port} 1`,
        `sentinel down-after-milliseconds ${MASTER_NAME} 500`,
        `sentinel failover-timeout ${MASTER_NAME} 2000`,
        '',
      ].join('\n'),
    );
    const sentinel = await RedisServer.start([conf, '--sentinel']);
    return new RedisSentinelServers(master, replica, sentinel, confDir);
  }

  /** Waits until the replica has everything the master wrote (WAIT). */
  async replicated(): Promise<void> {
    await run('redis-cli', ['-p', String(this.master.port), 'WAIT', '1', '5000']);
  }

  async stop(): Promise<void> {
    await Promise.all([this.sentinel.stop(), this.replica.stop(), this.master.stop()]);
    rmSync(this.confDir, { recursive: true, force: true });
  }
}
