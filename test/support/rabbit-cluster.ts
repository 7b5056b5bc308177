import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { freePort } from '../e2e/harness/net';

/**
 * A private RabbitMQ cluster for tests and benches, run from the Debian
 * package's own scripts: every node has its own name, AMQP and distribution
 * ports, data, log, config and plugin files (none enabled unless asked) under one temporary
 * folder, and all share one Erlang cookie in a temporary HOME. The machine's
 * own node (rabbit@<host> on 5672) is never touched; only epmd is shared.
 */

const SBIN = '/usr/lib/rabbitmq/bin';
const STARTUP_DEADLINE_MS = 120_000;
const CTL_TIMEOUT_MS = 60_000;

export interface ClusterNode {
  /** Erlang node name, e.g. `mqttc1_ab12@localhost`. */
  readonly name: string;
  readonly amqpPort: number;
  readonly distPort: number;
  readonly dir: string;
}

/** What every node of a cluster adds to its defaults. */
export interface NodeSetup {
  /** rabbitmq.conf lines after the node's own TCP listener and log settings (a TLS listener, say). */
  readonly config?: readonly string[];
  /** Plugins enabled at boot, from the package's plugin folder. */
  readonly plugins?: readonly string[];
}

export class RabbitCluster {
  private readonly procs: (ChildProcess | undefined)[];
  /** Should the test process exit without stop(), its nodes must not outlive it. */
  private readonly killOnExit = (): void => {
    for (const p of this.procs) p?.kill('SIGKILL');
  };

  private constructor(
    readonly nodes: readonly ClusterNode[],
    private readonly root: string,
  ) {
    this.procs = nodes.map(() => undefined);
    process.once('exit', this.killOnExit);
  }

  /**
   * Starts `size` nodes and joins nodes 2..size to node 1 (stop_app,
   * join_cluster, start_app). On any failure what was started is stopped.
   * Takes 35 to 75 s on a loaded 2-core machine (most of it the nodes' boot).
   */
  static async start(size = 3, prefix = 'mqttc', setup: NodeSetup = {}): Promise<RabbitCluster> {
    const root = mkdtempSync(path.join(tmpdir(), `${prefix}-`));
    const home = path.join(root, 'home');
    mkdirSync(home);
    writeFileSync(path.join(home, '.erlang.cookie'), randomBytes(16).toString('hex'), { mode: 0o400 });
    const tag = randomBytes(3).toString('hex');
    const nodes: ClusterNode[] = [];
    for (let i = 0; i < size; i++) {
      const dir = path.join(root, `n${i + 1}`);
      mkdirSync(dir);
      const [amqpPort, distPort] = [await freePort(), await freePort()];
      nodes.push({ name: `${prefix}${i + 1}_${tag}@localhost`, amqpPort, distPort, dir });
      writeNodeFiles(dir, amqpPort, setup);
    }
    const cluster = new RabbitCluster(nodes, root);
    try {
      await Promise.all(nodes.map((_, i) => cluster.startNode(i)));
      // Joins run one after the other: two nodes joining at once can have one's start_app fail
      // in mnesia's start ({badmatch, {error, {normal, {mnesia_app, start, ...}}}}, seen in CI).
      for (let i = 1; i < size; i++) await cluster.join(i);
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  private async join(i: number): Promise<void> {
    await this.ctl(i, 'stop_app');
    await this.ctl(i, 'join_cluster', this.nodes[0].name);
    await this.ctl(i, 'start_app');
  }

  /** The guest URL of each node's AMQP listener. */
  urls(user = 'guest', password = 'guest'): string[] {
    return this.nodes.map((n) => `amqp://${user}:${password}@127.0.0.1:${n.amqpPort}`);
  }

  /** Starts node `i` (again) and waits until it runs; a node that was a member rejoins by itself. */
  async startNode(i: number): Promise<void> {
    if (this.procs[i]) throw new Error(`${this.nodes[i].name} is already running`);
    const n = this.nodes[i];
    const proc = spawn(path.join(SBIN, 'rabbitmq-server'), [], {
      env: this.env(n),
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    this.procs[i] = proc;
    proc.once('exit', () => {
      if (this.procs[i] === proc) this.procs[i] = undefined;
    });
    const deadline = Date.now() + STARTUP_DEADLINE_MS;
    for (;;) {
      if (!this.procs[i]) throw new Error(`${n.name} exited while starting; see ${n.dir}/log`);
      try {
        await this.ctl(i, 'await_startup', '--timeout', '60');
        return;
      } catch (err) {
        // Before the node registers with epmd the CLI fails at once: try again.
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  }

  /** SIGKILL of node `i`'s Erlang VM: a crash, no goodbye to its peers or clients. */
  async killNode(i: number): Promise<void> {
    const proc = this.procs[i];
    if (!proc) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
  }

  /**
   * Adds users with every permission on `/` in one CLI call (import_definitions;
   * a call per user and permission costs seconds each on a busy machine).
   */
  async addUsers(users: readonly { username: string; password: string }[]): Promise<void> {
    const file = path.join(this.root, `users-${randomBytes(3).toString('hex')}.json`);
    const definitions = {
      users: users.map((u) => ({ name: u.username, password_hash: passwordHash(u.password), tags: '' })),
      permissions: users.map((u) => ({
        user: u.username,
        vhost: '/',
        configure: '.*',
        write: '.*',
        read: '.*',
      })),
    };
    writeFileSync(file, JSON.stringify(definitions));
    await this.ctl(0, 'import_definitions', file);
  }

  /** Whether node `i`'s process runs. */
  running(i: number): boolean {
    return this.procs[i] !== undefined;
  }

  /** `rabbitmqctl -q -n <node i> ...args`, with the cluster's cookie. */
  ctl(i: number, ...args: string[]): Promise<string> {
    const n = this.nodes[i];
    return new Promise((resolve, reject) => {
      execFile(
        path.join(SBIN, 'rabbitmqctl'),
        ['-q', '-n', n.name, ...args],
        { env: this.env(n), timeout: CTL_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) => {
          if (err) reject(new Error(`rabbitmqctl -n ${n.name} ${args.join(' ')}: ${stderr || err.message}`));
          else resolve(stdout);
        },
      );
    });
  }

  /**
   * The `connection_name` of every AMQP connection, grouped by the node that
   * holds it (from the connection pid's node part), asked of node `via`.
   */
  async connectionsByNode(via = 0): Promise<Map<string, string[]>> {
    const out = await this.ctl(via, 'list_connections', '--no-table-headers', 'pid', 'client_properties');
    const byNode = new Map<string, string[]>(this.nodes.map((n) => [n.name, []]));
    for (const line of out.split('\n')) {
      const [pid, props = ''] = line.split('\t');
      const node = /^<([^.]+@[^.]+)\./.exec(pid)?.[1];
      if (!node) continue;
      const name = /\{"connection_name","([^"]*)"\}/.exec(props)?.[1] ?? '';
      byNode.get(node)?.push(name);
    }
    return byNode;
  }

  /** Kills every node this cluster started and removes its folder. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((_, i) => this.killNode(i)));
    process.off('exit', this.killOnExit);
    rmSync(this.root, { recursive: true, force: true });
  }

  private env(n: ClusterNode): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      LANG: 'C.UTF-8',
      HOME: path.join(this.root, 'home'),
      // The package's env file names the machine's node; ours must not read it.
      RABBITMQ_CONF_ENV_FILE: '/dev/null',
      // Exec the VM directly, so the spawned pid is the node's own (killNode's SIGKILL hits it).
      RUNNING_UNDER_SYSTEMD: 'true',
      RABBITMQ_NODENAME: n.name,
      RABBITMQ_NODE_PORT: String(n.amqpPort),
      RABBITMQ_DIST_PORT: String(n.distPort),
      RABBITMQ_MNESIA_BASE: path.join(n.dir, 'mnesia'),
      RABBITMQ_LOG_BASE: path.join(n.dir, 'log'),
      RABBITMQ_CONFIG_FILE: path.join(n.dir, 'rabbitmq.conf'),
      RABBITMQ_ENABLED_PLUGINS_FILE: path.join(n.dir, 'enabled_plugins'),
      RABBITMQ_PID_FILE: path.join(n.dir, 'pid'),
    };
  }
}

function writeNodeFiles(dir: string, amqpPort: number, setup: NodeSetup): void {
  writeFileSync(path.join(dir, 'enabled_plugins'), `[${(setup.plugins ?? []).join(',')}].\n`);
  writeFileSync(
    path.join(dir, 'rabbitmq.conf'),
    [
      `listeners.tcp.1 = 127.0.0.1:${amqpPort}`,
      'log.console = false',
      'log.file.level = warning',
      ...(setup.config ?? []),
      '',
    ].join('\n'),
  );
}

/** RabbitMQ's default password hash (rabbit_password_hashing_sha256): salt, then SHA-256 of salt and password. */
function passwordHash(password: string): string {
  const salt = randomBytes(4);
  const digest = createHash('sha256')
    .update(Buffer.concat([salt, Buffer.from(password)]))
    .digest();
  return Buffer.concat([salt, digest]).toString('base64');
}
