import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { GUEST, uniqueId } from './adapter';
import { onCleanup } from './cleanup';
import { until, within } from './wait';

/**
 * Clients run as child processes for the interoperability tests (Debian's
 * mosquitto_pub/mosquitto_sub and a python3-paho-mqtt script), and the
 * adapter's HTTP port. Every child is killed, if still running, by the
 * suite's clean-up.
 */

export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A child process whose output is kept, killed (if still running) by the suite's clean-up. */
export class Child {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Finished>;
  private readonly proc: ChildProcess;

  constructor(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
    this.proc = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout?.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.proc.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) =>
      this.proc.once('close', (code) => resolve({ code, stdout: this.stdout, stderr: this.stderr })),
    );
    onCleanup(async () => void (await this.kill()));
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** Waits until stdout matches `re`. */
  async waitForOutput(re: RegExp, ms = 10_000): Promise<void> {
    let done = false;
    void this.exited.then(() => (done = true));
    await until(
      () => {
        if (re.test(this.stdout)) return true;
        if (done) throw new Error(`exited before printing ${re}: ${this.stdout}${this.stderr}`);
        return false;
      },
      `output ${re}`,
      ms,
    );
  }

  finished(ms = 15_000): Promise<Finished> {
    return within(this.exited, ms, 'child process exit');
  }

  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<Finished> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    return this.finished();
  }
}

const HOST = ['-h', '127.0.0.1'];
const LOGIN = ['-u', GUEST.username, '-P', GUEST.password];

/** `mosquitto_sub` for `count` messages, verbose (`topic payload` per line), with debug lines to see SUBACK. */
export async function mosquittoSub(port: number, topic: string, count: number, qos = 1): Promise<Child> {
  const args = [...HOST, '-p', String(port), ...LOGIN, '-i', uniqueId('mosq-sub'), '-t', topic];
  // stdbuf: mosquitto_sub block-buffers stdout into a pipe, which would hide the SUBACK line.
  const c = new Child('stdbuf', [
    '-oL',
    'mosquitto_sub',
    ...args,
    '-q',
    String(qos),
    '-C',
    String(count),
    '-v',
    '-d',
    '-W',
    '20',
  ]);
  await c.waitForOutput(/received SUBACK/);
  return c;
}

export function mosquittoPub(port: number, topic: string, message: string, qos = 1): Promise<Finished> {
  const args = [...HOST, '-p', String(port), ...LOGIN, '-i', uniqueId('mosq-pub'), '-t', topic];
  return new Child('mosquitto_pub', [...args, '-m', message, '-q', String(qos)]).finished();
}

/** Debian's python has paho; the pyenv python3 on PATH does not. */
const PYTHON = '/usr/bin/python3';
const PAHO_SCRIPT = path.resolve(__dirname, '../../../../test/integration/helpers/paho_client.py');

/** The paho script subscribed to `topic` for `count` messages; prints one JSON line per message. */
export async function pahoSub(port: number, topic: string, count: number, qos = 1): Promise<Child> {
  const c = new Child(PYTHON, [
    PAHO_SCRIPT,
    'sub',
    '--port',
    String(port),
    '--topic',
    topic,
    '--count',
    String(count),
    '--qos',
    String(qos),
    '--client-id',
    uniqueId('paho-sub'),
  ]);
  await c.waitForOutput(/^subscribed$/m);
  return c;
}

export function pahoPub(port: number, topic: string, message: string, qos = 1): Promise<Finished> {
  return new Child(PYTHON, [
    PAHO_SCRIPT,
    'pub',
    '--port',
    String(port),
    '--topic',
    topic,
    '--message',
    message,
    '--qos',
    String(qos),
    '--client-id',
    uniqueId('paho-pub'),
  ]).finished();
}

/** GET on the adapter's HTTP port. */
export async function httpGet(port: number, urlPath: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${urlPath}`);
  return { status: res.status, body: await res.text() };
}

/** The value of one sample in a Prometheus text exposition, or undefined. */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = m[2] ? m[2].split(',') : [];
    if (want.every((w) => have.includes(w))) return Number(m[3]);
  }
  return undefined;
}
