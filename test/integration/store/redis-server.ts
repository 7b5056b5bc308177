import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A port the OS says is free right now (redis-server cannot bind port 0 and report it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** Resolves once the server answers PING, or throws after the timeout. */
async function waitForPing(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pong = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
      socket.once('data', (d) => {
        socket.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
      socket.once('error', () => resolve(false));
    });
    if (pong) return;
    if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not answer PING`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A private redis-server for tests that stop, restart or reconfigure Redis:
 * never the shared one. It keeps no data on disk and lives in its own temp dir.
 */
export class RedisServer {
  private proc?: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'mqtt-adapter-redis-'));

  private constructor(
    readonly port: number,
    private readonly args: readonly string[],
  ) {}

  static async start(args: readonly string[] = [], port?: number): Promise<RedisServer> {
    const server = new RedisServer(port ?? (await freePort()), args);
    await server.resume();
    return server;
  }

  /** The redis-server process, while it runs (0 when it does not). */
  get pid(): number {
    return this.proc?.pid ?? 0;
  }

  /** Resolves once this server replicates with its link to the master up (its first sync done). */
  async inSync(timeoutMs = 30_000): Promise<void> {
    const redis = new Redis(this.port, '127.0.0.1', { maxRetriesPerRequest: 1, lazyConnect: true });
    redis.on('error', () => undefined);
    const deadline = Date.now() + timeoutMs;
    try {
      await redis.connect();
      for (;;) {
        const info = await redis.info('replication').catch(() => '');
        if (/role:slave/.test(info) && /master_link_status:up/.test(info)) return;
        if (Date.now() > deadline)
          throw new Error(`Redis on ${this.port} not in sync within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      redis.disconnect();
    }
  }

  /** (Re)starts the process on the same port; `extra` options override the first start's (a later `--replicaof` wins). */
  async resume(extra: readonly string[] = []): Promise<void> {
    const base = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    this.proc = spawn('redis-server', [...this.args, ...extra, ...base, '--dir', this.dir], {
      stdio: 'ignore',
    });
    await waitForPing(this.port);
  }

  /** Stops the process (SIGTERM) and waits for it to exit. */
  async pause(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = once(proc, 'exit');
    proc.kill('SIGTERM');
    await exited;
  }

  /** SIGKILL, as a node failure would: no goodbye to clients or replicas, nothing flushed. */
  async crash(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = once(proc, 'exit');
    proc.kill('SIGKILL');
    await exited;
  }

  /** SIGSTOP: the server keeps its sockets open but answers nothing, like a hung or partitioned Redis. */
  freeze(): void {
    this.proc?.kill('SIGSTOP');
  }

  thaw(): void {
    this.proc?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    this.thaw();
    await this.pause();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
