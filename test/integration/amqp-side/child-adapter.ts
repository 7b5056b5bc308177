import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { VHOST_ENV } from './vhost';
import { within } from '../helpers/wait';

const MAIN = path.resolve(__dirname, '../../../adapter/src/main.js');

/** A port nobody listens on right now: bind port 0, read it, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * The adapter as its own process (`node build/adapter/src/main.js`), for what
 * an in-process adapter cannot show: its own memory, and its exit on SIGTERM.
 */
export class ChildAdapter {
  readonly exited: Promise<Exit>;
  private output = '';

  private constructor(
    readonly proc: ChildProcess,
    readonly ports: { readonly mqtt: number; readonly http: number },
  ) {
    this.exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  }

  static async start(env: Record<string, string> = {}): Promise<ChildAdapter> {
    const ports = { mqtt: await freePort(), http: await freePort() };
    const proc = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        MQTT_ADAPTER_MQTT_HOST: '127.0.0.1',
        MQTT_ADAPTER_MQTT_PORT: String(ports.mqtt),
        MQTT_ADAPTER_HTTP_PORT: String(ports.http),
        MQTT_ADAPTER_AMQP_URL: 'amqp://127.0.0.1:5672',
        MQTT_ADAPTER_LOG_LEVEL: 'info',
        MQTT_ADAPTER_POD_NAME: `child-${randomBytes(4).toString('hex')}`,
        ...VHOST_ENV,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const child = new ChildAdapter(proc, ports);
    const listening = new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        child.output += chunk.toString();
        if (child.output.includes('"mqtt-adapter listening"')) resolve();
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', onData);
      void child.exited.then((e) =>
        reject(new Error(`adapter exited (${e.code ?? e.signal}) before listening:\n${child.output}`)),
      );
    });
    try {
      await within(listening, 15_000, 'child adapter listening');
    } catch (err) {
      proc.kill('SIGKILL');
      throw err;
    }
    return child;
  }

  /** Everything the process wrote so far (pino JSON lines). */
  get log(): string {
    return this.output;
  }

  /** Resident set size from /proc, in bytes. */
  rss(): number {
    const status = readFileSync(`/proc/${this.proc.pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status);
    if (!kb) throw new Error('no VmRSS in /proc status');
    return Number(kb[1]) * 1024;
  }

  /** Stops the process: SIGTERM, then SIGKILL if it has not exited in time. */
  async stop(timeoutMs = 15_000): Promise<Exit> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Registers hooks that start a child adapter before the block and stop it after. */
export function useChildAdapter(env: Record<string, string> = {}): { readonly child: ChildAdapter } {
  let child: ChildAdapter | undefined;
  before(async function () {
    child = await ChildAdapter.start(env);
  });
  after(async function () {
    await child?.stop();
  });
  return {
    get child(): ChildAdapter {
      if (!child) throw new Error('the child adapter has not started');
      return child;
    },
  };
}

/**
 * Runs `round` `rounds` times while sampling the child's RSS, and returns how
 * far the peak climbed from the first round to the last, in MB. One round says
 * little, since RSS also holds garbage not yet collected; memory an adapter
 * keeps per message shows as a climb of about what the later rounds pushed.
 */
export async function rssClimbMb(
  child: ChildAdapter,
  round: (i: number) => Promise<void>,
  rounds = 3,
): Promise<number> {
  const peaks: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let peak = child.rss();
    const sampler = setInterval(() => (peak = Math.max(peak, child.rss())), 20);
    try {
      await round(i);
    } finally {
      clearInterval(sampler);
    }
    peaks.push(peak);
  }
  return (peaks[rounds - 1] - peaks[0]) / (1024 * 1024);
}

/** A counter's value from a Prometheus text exposition (0 when absent). */
export function metricValue(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

export async function fetchMetrics(httpPort: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${httpPort}/metrics`);
  return res.text();
}
