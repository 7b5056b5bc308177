import { fork } from 'node:child_process';
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { generate } from 'mqtt-packet';
import { declaringSize } from '../../test/integration/helpers/declared-size';
import { AdapterSystem } from '../systems/adapter';

/**
 * `node build/bench/profile/connect-flood.js [samples] [flooders]`: how long a
 * well-behaved client waits for CONNACK while `flooders` (8) unauthenticated
 * sockets each send a CONNECT with a 15 MiB body, over and over, from another
 * process. Starts its own adapter (memory store; BENCH_ADAPTER_MAIN picks
 * another build's, for a before/after) and prints CONNECT->CONNACK p50/p99.
 */

const BODY = 15 * 1024 * 1024;
const CHUNK = 64 * 1024;

function connectBytes(clientId: string): Buffer {
  return generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    keepalive: 0,
    clientId,
    username: 'guest',
    password: Buffer.from('guest'),
  });
}

/**
 * One flooding socket: a CONNECT declaring a 15 MiB body (no field can be that
 * long, so the rest is filler), sent as fast as the adapter reads it, then
 * again once the adapter closes the socket.
 */
function flood(port: number, stop: { now: boolean }): void {
  const head = declaringSize(connectBytes('flood'), BODY);
  const filler = Buffer.alloc(CHUNK, 'x');
  const socket = net.connect({ host: '127.0.0.1', port });
  let left = BODY - head.length;
  const pump = (): void => {
    while (left > 0) {
      const ok = socket.write(filler.subarray(0, Math.min(CHUNK, left)));
      left -= CHUNK;
      if (!ok) return void socket.once('drain', pump);
    }
  };
  socket.on('connect', () => {
    socket.write(head);
    pump();
  });
  socket.on('error', () => undefined);
  socket.on('close', () => {
    if (!stop.now) setTimeout(() => flood(port, stop), 10);
  });
}

function flooders(port: number, n: number): void {
  const stop = { now: false };
  for (let i = 0; i < n; i++) flood(port, stop);
  process.on('disconnect', () => {
    stop.now = true;
    process.exit(0);
  });
}

/** Milliseconds from writing a CONNECT to reading its CONNACK. */
function connackLatency(port: number, clientId: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let start = 0;
    socket.on('connect', () => {
      start = performance.now();
      socket.write(connectBytes(clientId));
    });
    socket.once('data', (d: Buffer) => {
      const ms = performance.now() - start;
      socket.end(generate({ cmd: 'disconnect' }));
      if (d[0] === 0x20 && d[3] === 0) resolve(ms);
      else reject(new Error(`CONNACK refused: ${d.toString('hex')}`));
    });
    socket.on('error', reject);
  });
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function main(): Promise<void> {
  const samples = Number(process.argv[2] ?? 200);
  const n = Number(process.argv[3] ?? 8);
  const adapter = new AdapterSystem(false, { MQTT_ADAPTER_STORE: 'memory', MQTT_ADAPTER_LOG_LEVEL: 'error' });
  await adapter.start();
  const child = fork(__filename, ['flood', String(adapter.port), String(n)]);
  try {
    // Let every flooder get its CONNECT under way.
    await new Promise((r) => setTimeout(r, 1000));
    const ms: number[] = [];
    const started = performance.now();
    for (let i = 0; i < samples && performance.now() - started < 60_000; i++)
      ms.push(await connackLatency(adapter.port, `bench-flood-${process.pid}-${i}`));
    ms.sort((a, b) => a - b);
    console.log(
      `CONNECT->CONNACK with ${n} sockets sending ${BODY / 2 ** 20} MiB CONNECTs: ` +
        `p50 ${quantile(ms, 0.5).toFixed(1)} ms, p99 ${quantile(ms, 0.99).toFixed(1)} ms, ` +
        `max ${ms[ms.length - 1].toFixed(1)} ms (${ms.length} connects)`,
    );
  } finally {
    child.disconnect();
    await adapter.stop();
  }
}

if (process.argv[2] === 'flood') flooders(Number(process.argv[3]), Number(process.argv[4]));
else
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
