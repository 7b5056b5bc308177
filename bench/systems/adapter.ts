import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { SYSTEM_CPU } from '../proc/pin';
import { rabbitAllocatedBytes, redisUsedBytes, rssBytes } from '../proc/memory';
import { pinService, servicePid } from '../proc/shared-services';
import { freePort, startPinned, stopChild, waitForPort } from './process';
import { dropKeys } from './redis-keys';
import type { SystemUnderTest } from './types';

const ROOT = path.resolve(__dirname, '../../..');
/** Another build's adapter (another checkout's `build/adapter/src/main.js`) can be measured for a before/after. */
const MAIN = process.env.BENCH_ADAPTER_MAIN ?? path.join(ROOT, 'build/adapter/src/main.js');

/**
 * The adapter, one process on the system CPU, with the Redis stores when this
 * build has them (tried first) and the memory stores otherwise. Its work is
 * the adapter's, RabbitMQ's and Redis's, so all three count.
 */
export class AdapterSystem implements SystemUnderTest {
  readonly name = 'adapter';
  readonly maxConnections = Infinity;
  readonly protocol = 'mqtt';
  port = 0;
  private child: ChildProcess | undefined;
  private store: 'redis' | 'memory' | undefined;
  private beam = 0;
  private redis = 0;
  /** Where the running adapter keeps its Redis keys, which its stop deletes. */
  private keys: { readonly url: string; readonly prefix: string } | undefined;
  private readonly problems: string[] = [];

  constructor(
    private readonly pinned: boolean,
    private readonly extraEnv: Readonly<Record<string, string>> = {},
    /** The CPU the adapter is pinned to: the systems' CPU, or a core of its own (the offload scenario). */
    private readonly cpu: string = SYSTEM_CPU,
  ) {}

  /** The RabbitMQ and Redis whose work counts with the adapter's, when they are not the machine's services. */
  serve(processes: { readonly rabbitmq: number; readonly redis: number }): void {
    this.beam = processes.rabbitmq;
    this.redis = processes.redis;
  }

  async prepare(): Promise<void> {
    this.beam = servicePid('beam.smp');
    this.redis = servicePid('redis-server');
    await pinService(this.beam);
    await pinService(this.redis);
  }

  async cleanup(): Promise<void> {
    await this.stop();
  }

  async start(): Promise<void> {
    if (this.store !== 'memory' && (await this.tryStart('redis'))) return;
    if (!(await this.tryStart('memory'))) throw new Error('the adapter did not start');
  }

  private async tryStart(store: 'redis' | 'memory'): Promise<boolean> {
    this.port = await freePort();
    const env = {
      ...process.env,
      MQTT_ADAPTER_MQTT_HOST: '127.0.0.1',
      MQTT_ADAPTER_MQTT_PORT: String(this.port),
      MQTT_ADAPTER_HTTP_PORT: '0',
      MQTT_ADAPTER_STORE: store,
      MQTT_ADAPTER_REDIS_URL: 'redis://127.0.0.1:6379',
      MQTT_ADAPTER_REDIS_KEY_PREFIX: `mqtt-adapter-bench-${process.pid}:`,
      MQTT_ADAPTER_LOG_LEVEL: 'warn',
      MQTT_ADAPTER_DRAIN_TIMEOUT_MS: '3000',
      MQTT_ADAPTER_WILL_DRAIN_GRACE_MS: '0',
      ...this.extraEnv,
    };
    const argv = [
      process.execPath,
      ...(process.env.BENCH_ADAPTER_NODE_OPTIONS?.split(' ').filter(Boolean) ?? []),
      MAIN,
    ];
    const child = startPinned(this.pinned ? this.cpu : undefined, argv, env);
    const up = await waitForPort(this.port, 15_000, () => child.exitCode === null);
    if (!up) {
      await stopChild(child, 2000);
      return false;
    }
    this.child = child;
    this.store = store;
    if (store === 'redis')
      this.keys = { url: env.MQTT_ADAPTER_REDIS_URL, prefix: env.MQTT_ADAPTER_REDIS_KEY_PREFIX };
    return true;
  }

  /** Stops the adapter, then deletes its keys: each run starts with none, and none outlive the bench. */
  async stop(): Promise<void> {
    await stopChild(this.child);
    this.child = undefined;
    const keys = this.keys;
    this.keys = undefined;
    if (!keys) return;
    // A Redis that cannot be reached is noted, not fatal: the results of the run stand.
    await dropKeys(keys.url, keys.prefix).catch((err: unknown) =>
      this.problems.push(`Redis keys under ${keys.prefix} not deleted: ${(err as Error).message}`),
    );
  }

  processes(): Record<string, number> {
    return { adapter: this.child?.pid ?? 0, rabbitmq: this.beam, redis: this.redis };
  }

  async memory(): Promise<Record<string, number>> {
    return {
      adapter: rssBytes(this.child?.pid ?? 0),
      rabbitmq: await rabbitAllocatedBytes(),
      redis: await redisUsedBytes(),
    };
  }

  notes(): string[] {
    return [`adapter store: ${this.store ?? 'not started'}`, ...this.problems];
  }
}
