import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { freePort, waitForPort } from '../systems/process';
import { listenerPid, pinnedCommand } from './pin';

const SBIN = '/usr/lib/rabbitmq/bin';

/**
 * A one-node RabbitMQ of our own, from the Debian binaries: its own node name,
 * AMQP and distribution ports, data, logs, config and Erlang cookie under a
 * temporary folder, no plugins. The machine's node (rabbit@<host> on 5672) is
 * not touched. `stop` stops the node and removes the folder. With `cpus`, the
 * node starts pinned to those CPUs, every thread of it, and with the open-file
 * limit raised to the hard one; with `mqtt`, RabbitMQ's MQTT plugin is enabled
 * at boot and listens on a port of its own; with `advancedConfig` (Erlang
 * terms), that is the node's advanced.config, for settings rabbitmq.conf has
 * no key for. Without it the node gets an empty one, so the machine's
 * /etc/rabbitmq/advanced.config cannot leak in.
 */
export interface PrivateRabbit {
  readonly node: string;
  readonly port: number;
  readonly amqpUrl: string;
  /** The MQTT plugin's port, when the node was started with it. */
  readonly mqttPort?: number;
  /** The node's Erlang VM (beam.smp), for its RSS. */
  readonly pid: number;
  /** `rabbitmqctl -q -n <node> <args>`, its stdout. */
  ctl(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

export interface PrivateRabbitOptions {
  readonly cpus?: string;
  readonly mqtt?: boolean;
  readonly advancedConfig?: string;
}

export async function startPrivateRabbit(
  name = `soak-${process.pid}`,
  options: PrivateRabbitOptions = {},
): Promise<PrivateRabbit> {
  const dir = mkdtempSync(path.join(tmpdir(), `${name}-rabbit-`));
  const home = path.join(dir, 'home');
  mkdirSync(home);
  const cookie = path.join(home, '.erlang.cookie');
  writeFileSync(cookie, randomBytes(16).toString('hex'));
  chmodSync(cookie, 0o400);
  const [port, dist] = [await freePort(), await freePort()];
  const mqttPort = options.mqtt ? await freePort() : undefined;
  writeFileSync(
    path.join(dir, 'rabbitmq.conf'),
    mqttPort === undefined ? '' : `mqtt.listeners.tcp.default = 127.0.0.1:${mqttPort}\n`,
  );
  writeFileSync(path.join(dir, 'advanced.config'), options.advancedConfig ?? '[].\n');
  writeFileSync(path.join(dir, 'enabled_plugins'), mqttPort === undefined ? '' : '[rabbitmq_mqtt].\n');
  const node = `${name}@localhost`;
  const env = { ...process.env, HOME: home };
  const out = openSync(path.join(dir, 'server.out'), 'a');
  const [command, args] = options.cpus
    ? pinnedCommand(options.cpus, [path.join(SBIN, 'rabbitmq-server')])
    : [path.join(SBIN, 'rabbitmq-server'), []];
  const proc = spawn(command, args, {
    cwd: dir,
    stdio: ['ignore', out, out],
    env: {
      ...env,
      RABBITMQ_NODENAME: node,
      RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
      RABBITMQ_NODE_PORT: String(port),
      RABBITMQ_DIST_PORT: String(dist),
      RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
      RABBITMQ_LOG_BASE: path.join(dir, 'log'),
      RABBITMQ_CONFIG_FILE: path.join(dir, 'rabbitmq.conf'),
      RABBITMQ_ADVANCED_CONFIG_FILE: path.join(dir, 'advanced.config'),
      RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'),
    },
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const ctl = (...args: string[]): Promise<string> =>
    new Promise((resolve, reject) =>
      execFile(
        path.join(SBIN, 'rabbitmqctl'),
        ['-q', '-n', node, ...args],
        { env, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) =>
          err ? reject(new Error(`rabbitmqctl ${args[0]}: ${stderr || err.message}`)) : resolve(stdout),
      ),
    );
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      await ctl('stop').catch(() => undefined);
      const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // The AMQP listener opens last in the boot; waiting on it costs no CLI start (an Erlang VM each).
    const alive = (): boolean => proc.exitCode === null && proc.signalCode === null;
    if (!(await waitForPort(port, 180_000, alive)))
      throw new Error(`RabbitMQ node ${node} not listening on ${port}`);
    await ctl('await_startup', '--timeout', '60');
  } catch (err) {
    proc.kill('SIGKILL');
    await stop();
    throw err;
  }
  const pid = listenerPid(port) ?? proc.pid ?? 0;
  return { node, port, amqpUrl: `amqp://127.0.0.1:${port}`, mqttPort, pid, ctl, stop };
}
