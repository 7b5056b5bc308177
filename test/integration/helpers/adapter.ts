import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { loadConfig } from '../../../adapter/src/config/load';
import type { Logger } from 'pino';
import { createLogger } from '../../../adapter/src/log';
import { Adapter } from '../../../adapter/src/server';

/**
 * Rebalancing moves clients between adapters sharing a Redis of its own accord;
 * tests of anything else keep their clients where they put them
 * (replicas/rebalance.test.ts turns it on).
 */
const NO_REBALANCE = { MQTT_ADAPTER_REBALANCE: 'false' } as const;

/** Starts an in-process adapter on free ports; extra settings by environment name; `log` to read what it logs. */
export async function startAdapter(env: Record<string, string> = {}, log?: Logger): Promise<Adapter> {
  const config = loadConfig({
    MQTT_ADAPTER_MQTT_HOST: '127.0.0.1',
    MQTT_ADAPTER_MQTT_PORT: '0',
    MQTT_ADAPTER_TLS_PORT: '0',
    MQTT_ADAPTER_HTTP_PORT: '0',
    MQTT_ADAPTER_AMQP_URL: 'amqp://127.0.0.1:5672',
    MQTT_ADAPTER_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    MQTT_ADAPTER_POD_NAME: `test-${randomBytes(4).toString('hex')}`,
    ...NO_REBALANCE,
    ...env,
  });
  return Adapter.start(config, log ?? createLogger(config.logLevel));
}

/** A client id no other test uses. */
export const uniqueId = (prefix = 'test'): string => `${prefix}-${randomBytes(6).toString('hex')}`;

export const GUEST = { username: 'guest', password: 'guest' } as const;

/** An adapter run as its own process (`node build/adapter/src/main.js`), as `make run` starts it. */
export interface AdapterProcess {
  readonly ports: { readonly mqtt: number; readonly http: number };
  readonly pid: number;
  /** Everything the process has printed so far (pino JSON lines and stderr). */
  output(): string;
  /** SIGTERM, and the exit code. */
  stop(): Promise<number | null>;
}

/** The compiled entry point, from build/test/integration/helpers. */
export const MAIN_JS = path.resolve(__dirname, '../../../adapter/src/main.js');

/** The environment a child adapter gets: free ports, local RabbitMQ, then `env`. */
export function adapterEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('MQTT_ADAPTER_')),
  );
  return {
    ...inherited,
    MQTT_ADAPTER_MQTT_HOST: '127.0.0.1',
    MQTT_ADAPTER_MQTT_PORT: '0',
    MQTT_ADAPTER_HTTP_PORT: '0',
    MQTT_ADAPTER_AMQP_URL: 'amqp://127.0.0.1:5672',
    MQTT_ADAPTER_POD_NAME: `test-${randomBytes(4).toString('hex')}`,
    ...NO_REBALANCE,
    ...env,
  };
}

/** Starts the adapter (another build's when `main` says so) as a child process; resolves once it logs its ports. */
export async function spawnAdapter(
  env: Record<string, string> = {},
  main = MAIN_JS,
): Promise<AdapterProcess> {
  const proc = spawn(process.execPath, [main], {
    env: adapterEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => proc.once('close', (code) => resolve(code)));
  const ports = await new Promise<{ mqtt: number; http: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      // One that never said where it listens is of no use, and must not outlive the caller.
      proc.kill('SIGKILL');
      reject(new Error(`adapter did not start: ${out}`));
    }, 15_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /"ports":\{"mqtt":(\d+)[^}]*"http":(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ mqtt: Number(m[1]), http: Number(m[2]) });
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`adapter exited with ${code}: ${out}`));
    });
  });
  return {
    ports,
    pid: proc.pid as number,
    output: () => out,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return exited;
    },
  };
}
