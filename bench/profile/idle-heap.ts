import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { loadConfig } from '../../adapter/src/config/load';
import { createLogger } from '../../adapter/src/log';
import { Adapter } from '../../adapter/src/server';
import { startPrivateRabbit } from '../proc/private-rabbit';
import { WorkerPool, deal } from '../run/worker-pool';
import type { IdleKind } from '../run/profile';
import type { ClientSpec } from '../worker/protocol';
import { summariseDiff } from './heap-diff';

/**
 * `node --expose-gc build/bench/profile/idle-heap.js [plain|qos0-sub|qos1-persistent] [N] [DIR] [--v5]`:
 * an in-process adapter (memory stores, on a RabbitMQ node of its own, so
 * nothing shared is touched) takes N idle connections of one kind
 * from worker processes, in two halves, and prints what the second half added
 * per connection to the V8 heap, to memory outside it and to the RSS, after a
 * full garbage collection each time. With DIR, a heap snapshot is written
 * after each half and the objects the second half added are listed by
 * constructor: what an idle connection is made of. With --v5 the clients
 * speak MQTT 5 (3.1.1 otherwise).
 *
 * The RSS figure also holds part of what V8 committed to its young
 * generation, which it sizes by the allocation rate and which is empty after
 * the collection, so none of the connections keeps it: at 10,000 connections
 * the same build read 8 to 14 KiB RSS per connection that way, and about 4 KiB
 * with the young generation held at one size. Its committed growth is printed
 * apart ("young"); run node with --min-semi-space-size=16
 * --max-semi-space-size=16 to hold it still when comparing two builds' RSS.
 */

interface Reading {
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly rss: number;
  /** Physical size of V8's young generation. */
  readonly young: number;
}

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 3; i++) gc();
}

async function reading(): Promise<Reading> {
  await new Promise((r) => setTimeout(r, 2000));
  collect();
  const m = process.memoryUsage();
  const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.physical_space_size ?? 0;
  return { heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss, young };
}

function clients(kind: IdleKind, n: number, tag: string, version: 4 | 5): ClientSpec[] {
  return Array.from({ length: n }, (_, i) => ({
    role: 'idle',
    index: i,
    clientId: `idle-heap-${tag}-${i}`,
    topic: `idle-heap/${tag}/${i}`,
    qos: kind === 'qos1-persistent' ? 1 : 0,
    clean: kind !== 'qos1-persistent',
    subscribe: kind !== 'plain',
    version,
  }));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const version = args.includes('--v5') ? 5 : 4;
  const [kindArg, nArg, dir] = args.filter((a) => a !== '--v5');
  const kind = (kindArg ?? 'plain') as IdleKind;
  const n = Number(nArg ?? 2000);
  const tag = randomBytes(4).toString('hex');
  const rabbit = await startPrivateRabbit(`idle-heap-${tag}`);
  const config = loadConfig({
    MQTT_ADAPTER_MQTT_HOST: '127.0.0.1',
    MQTT_ADAPTER_MQTT_PORT: '0',
    MQTT_ADAPTER_HTTP_PORT: '0',
    MQTT_ADAPTER_AMQP_URL: rabbit.amqpUrl,
    MQTT_ADAPTER_STORE: 'memory',
    MQTT_ADAPTER_LOG_LEVEL: 'warn',
    MQTT_ADAPTER_POD_NAME: `idle-heap-${tag}`,
  });
  const adapter = await Adapter.start(config, createLogger(config.logLevel)).catch(async (err: unknown) => {
    await rabbit.stop();
    throw err;
  });
  const target = {
    protocol: 'mqtt' as const,
    host: '127.0.0.1',
    port: adapter.ports.mqtt,
    username: 'guest',
    password: 'guest',
  };
  const all = clients(kind, n, tag, version);
  const half = Math.floor(n / 2);
  const workers = 4;
  const pool = new WorkerPool(workers, false);
  if (dir) mkdirSync(dir, { recursive: true });
  try {
    const first = await pool.setup(target, deal(all.slice(0, half), workers), 25);
    const middle = await reading();
    const snapA = dir ? writeHeapSnapshot(path.join(dir, `${kind}-a.heapsnapshot`)) : undefined;
    const second = await pool.setup(target, deal(all.slice(half), workers), 25);
    const end = await reading();
    const snapB = dir ? writeHeapSnapshot(path.join(dir, `${kind}-b.heapsnapshot`)) : undefined;
    const added = second.connected - first.connected;
    const per = (k: keyof Reading): string => ((end[k] - middle[k]) / added / 1024).toFixed(2);
    process.stdout.write(
      `${kind} v${version === 5 ? 5 : '3.1.1'}: ${second.connected} connected (${first.failed + second.failed} failed); ` +
        `KiB per added connection: heap ${per('heapUsed')}, external ${per('external')} ` +
        `(array buffers ${per('arrayBuffers')}), rss ${per('rss')} (young ${per('young')})\n`,
    );
    if (snapA && snapB) process.stdout.write(summariseDiff(snapA, snapB, added, 25));
    await pool.teardown(kind === 'qos1-persistent');
  } finally {
    pool.kill();
    await adapter.stop();
    await rabbit.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  },
);
