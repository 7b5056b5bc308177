import * as net from 'node:net';
import { parseArgs } from 'node:util';
import { generate, parser as createParser, type Packet } from 'mqtt-packet';
import { uniqueId } from '../../test/integration/helpers/adapter';
import { connectPacket } from '../../test/integration/helpers/clients';
import { Replicas, arrival, join, leaveAll, type Replica } from '../../test/integration/replicas/replicas';

/**
 * `node build/bench/replicas/measure.js [--kills N] [--resumes N]`
 *
 * Two numbers of issue 3, on replica processes with default settings against
 * the local RabbitMQ and Redis (127.0.0.1:5672, :6379):
 * 1. will after SIGKILL: a client with a will on a replica, a watcher on
 *    another; the replica is SIGKILLed and the time until the watcher has the
 *    will is taken, N times (a fresh replica each time);
 * 2. CONNECT -> CONNACK of a resume on another replica: one persistent
 *    session, resumed N times, each time on the next of three replicas.
 */
const { values } = parseArgs({
  options: { kills: { type: 'string', default: '10' }, resumes: { type: 'string', default: '1000' } },
});

const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

const ms = (n: number): string => `${n.toFixed(1)} ms`;

async function willAfterSigkill(set: Replicas, survivor: Replica, runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const victim = await set.add();
    const topic = `bench/replicas/${uniqueId('will')}`;
    const { m: watcher } = await join(survivor.ports.mqtt);
    await watcher.subscribe(topic, 1);
    const at = arrival(watcher, topic);
    await join(victim.ports.mqtt, { will: { topic, payload: Buffer.from('gone'), qos: 1, retain: false } });
    // Not right after the start: a pod usually dies mid-way between two liveness refreshes.
    await new Promise((r) => setTimeout(r, 300 + Math.random() * 500));
    const ttlLeft = await set.aliveTtl(victim.pod);
    const killedAt = Date.now();
    await victim.kill();
    const deadline = Date.now() + 10_000;
    while (at() === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    const t = at();
    if (t === undefined) throw new Error('no will within 10 s of the SIGKILL');
    times.push(t - killedAt);
    // The liveness key outlives the pod by what was left of its TTL; the rest is the sweep and the publish.
    process.stdout.write(
      `will after SIGKILL #${i + 1}: ${t - killedAt} ms (liveness key had ${ttlLeft} ms left)\n`,
    );
    await leaveAll();
  }
  return times;
}

/** Opens a socket, sends CONNECT, resolves with the CONNACK time and session-present flag, then DISCONNECTs. */
async function resumeOnce(port: number, clientId: string): Promise<{ ms: number; present: boolean }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const parser = createParser({ protocolVersion: 4 });
  const connack = new Promise<Packet>((resolve, reject) => {
    parser.on('packet', resolve);
    socket.once('close', () => reject(new Error('closed before CONNACK')));
  });
  socket.on('data', (d: Buffer) => parser.parse(d));
  const started = process.hrtime.bigint();
  socket.write(generate(connectPacket({ clientId, clean: false })));
  const p = await connack;
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (p.cmd !== 'connack' || p.returnCode !== 0) throw new Error(`CONNACK ${JSON.stringify(p)}`);
  const closed = new Promise((resolve) => socket.once('close', resolve));
  socket.end(generate({ cmd: 'disconnect' }));
  await closed;
  return { ms: elapsed, present: p.sessionPresent };
}

async function resumes(set: Replicas, replicas: Replica[], runs: number): Promise<number[]> {
  const clientId = uniqueId('bench-resume');
  set.sessionQueue(clientId);
  const first = await join(replicas[0].ports.mqtt, { clientId, clean: false });
  await first.m.subscribe(`bench/replicas/${clientId}`, 1);
  await leaveAll();
  const times: number[] = [];
  for (let i = 1; i <= runs; i++) {
    const r = await resumeOnce(replicas[i % replicas.length].ports.mqtt, clientId);
    if (!r.present) throw new Error(`resume ${i}: no session present`);
    times.push(r.ms);
  }
  return times;
}

async function main(): Promise<void> {
  const set = new Replicas();
  try {
    const replicas = await set.start(3);
    const resumeTimes = (await resumes(set, replicas, Number(values.resumes))).sort((a, b) => a - b);
    const willTimes = (await willAfterSigkill(set, replicas[1], Number(values.kills))).sort((a, b) => a - b);
    process.stdout.write(
      `\nwill after SIGKILL (${willTimes.length} runs): min ${willTimes[0]} ms, ` +
        `median ${quantile(willTimes, 0.5)} ms, max ${willTimes[willTimes.length - 1]} ms\n` +
        `resume on another replica, CONNECT->CONNACK (${resumeTimes.length} resumes): ` +
        `p50 ${ms(quantile(resumeTimes, 0.5))}, p99 ${ms(quantile(resumeTimes, 0.99))}, ` +
        `max ${ms(resumeTimes[resumeTimes.length - 1])}\n`,
    );
  } finally {
    await leaveAll();
    await set.cleanup();
  }
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exitCode = 1;
});
