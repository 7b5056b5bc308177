import * as net from 'node:net';
import { parseArgs } from 'node:util';
import { generate, parser as createParser, type Packet } from 'mqtt-packet';
import { uniqueId } from '../../test/integration/helpers/adapter';
import { Replicas, arrival, join, leaveAll, type Replica } from '../../test/integration/replicas/replicas';
import { falseDeaths, type LivenessSetting, type StallOutcome } from './false-deaths';
import { connectPacket } from '../../test/integration/helpers/raw-mqtt';
import { quantile } from '../stats/quantile';

/**
 * `node build/bench/replicas/measure.js [--kills N] [--restarts N] [--resumes N]
 *   [--stalls 1,3,5,10] [--settings 2000:10000,2000:5000,2000:0] [--stall-runs N]
 *   [--parts resumes,kills,restarts,alone,stalls]`
 *
 * On replica processes against the local RabbitMQ and Redis (127.0.0.1:5672, :6379):
 * 1. CONNECT -> CONNACK of a resume on another replica: one persistent
 *    session, resumed N times, each time on the next of three replicas;
 * 2. will after SIGKILL: a client with a will on a replica, a watcher on
 *    another; the replica is SIGKILLed and the time until the watcher has the
 *    will is taken, N times (a fresh replica each time); `restarts`: the same,
 *    the killed replica restarted under its pod name 0.5 s after the kill, as a
 *    container restarted in place; `alone`: that, with no other replica of its
 *    deployment left to sweep it;
 * 3. false deaths: a replica SIGSTOPped for each stall length (seconds), under
 *    each `TTL:stall tolerance` setting (ms), `stall-runs` times each.
 * Default settings except in 3.
 */
const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '10' },
    restarts: { type: 'string', default: '10' },
    resumes: { type: 'string', default: '1000' },
    stalls: { type: 'string', default: '1,3,5,10' },
    settings: { type: 'string', default: '2000:10000,2000:5000,2000:0' },
    'stall-runs': { type: 'string', default: '2' },
    parts: { type: 'string', default: 'resumes,kills,restarts,alone,stalls' },
  },
});
const parts = new Set(values.parts.split(','));

const ms = (n: number): string => `${n.toFixed(1)} ms`;

/** For a slow will: what each replica logged about sweeps and wills, in ms after the kill. */
function timeline(replicas: readonly Replica[], since: number): string {
  const lines: string[] = [];
  for (const r of new Set(replicas))
    for (const line of r.output().split('\n')) {
      if (!/will|sweep|Redis|listening/.test(line)) continue;
      const { time, msg } = JSON.parse(line) as { time: number; msg: string };
      if (time >= since) lines.push(`  ${time - since} ms ${r.incarnation}: ${msg} ${line.slice(0, 300)}`);
    }
  return `${lines.sort((x, y) => parseInt(x) - parseInt(y)).join('\n')}\n`;
}

/** With `restartAfterMs`, the killed replica is restarted under its pod name that long after the kill. */
async function willAfterSigkill(
  set: Replicas,
  survivor: Replica,
  runs: number,
  restartAfterMs?: number,
): Promise<number[]> {
  const times: number[] = [];
  const label = restartAfterMs === undefined ? 'SIGKILL' : `SIGKILL, back after ${restartAfterMs} ms`;
  for (let i = 0; i < runs; i++) {
    const victim = await set.add();
    const topic = `bench/replicas/${uniqueId('will')}`;
    const { m: watcher } = await join(survivor.ports.mqtt);
    await watcher.subscribe(topic, 1);
    const at = arrival(watcher, topic);
    await join(victim.ports.mqtt, { will: { topic, payload: Buffer.from('gone'), qos: 1, retain: false } });
    // Not right after the start: a pod usually dies mid-way between two liveness refreshes.
    await new Promise((r) => setTimeout(r, 300 + Math.random() * 500));
    const ttlLeft = await set.aliveTtl(victim.incarnation);
    const killedAt = Date.now();
    await victim.kill();
    const restarted =
      restartAfterMs === undefined
        ? undefined
        : new Promise((r) => setTimeout(r, restartAfterMs)).then(() => set.restart(victim));
    const deadline = Date.now() + 10_000;
    while (at() === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    const t = at();
    if (t === undefined) throw new Error('no will within 10 s of the SIGKILL');
    times.push(t - killedAt);
    // The liveness key is older than the TTL that much later; the rest is the sweep and the publish.
    process.stdout.write(
      `will after ${label} #${i + 1}: ${t - killedAt} ms (liveness key had ${ttlLeft} ms left)\n`,
    );
    await leaveAll();
    const back = await restarted;
    if (t - killedAt > 3000) process.stdout.write(timeline([...set.list, survivor], killedAt));
    // Drained once it has served its purpose, so restarted processes do not pile up on the machine.
    await back?.stop();
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

const spread = (name: string, times: number[]): string => {
  const t = [...times].sort((a, b) => a - b);
  return `${name} (${t.length} runs): min ${t[0]} ms, median ${quantile(t, 0.5)} ms, max ${t[t.length - 1]} ms\n`;
};

const stallRow = (o: StallOutcome): string =>
  `TTL ${o.setting.ttlMs} ms, stall tolerance ${o.setting.stallMs} ms, stall ${o.stallSeconds} s: ` +
  `${o.falseDeaths} false deaths in ${o.runs} runs, ${o.willsPublished} wills published, ` +
  `${o.clientsKicked} of ${o.clients} clients kicked\n`;

async function main(): Promise<void> {
  const summary: string[] = [];
  const set = new Replicas();
  try {
    const replicas = await set.start(3);
    if (parts.has('resumes')) {
      const t = (await resumes(set, replicas, Number(values.resumes))).sort((a, b) => a - b);
      summary.push(
        `resume on another replica, CONNECT->CONNACK (${t.length} resumes): ` +
          `p50 ${ms(quantile(t, 0.5))}, p99 ${ms(quantile(t, 0.99))}, max ${ms(t[t.length - 1])}\n`,
      );
    }
    if (parts.has('kills'))
      summary.push(
        spread('will after SIGKILL', await willAfterSigkill(set, replicas[1], Number(values.kills))),
      );
    if (parts.has('restarts')) {
      const t = await willAfterSigkill(set, replicas[1], Number(values.restarts), 500);
      summary.push(spread('will after SIGKILL, restarted in place after 0.5 s', t));
    }
    if (parts.has('alone')) {
      // A deployment of one replica: only its restarted process can sweep it.
      const lone = new Replicas();
      try {
        const t = await willAfterSigkill(lone, replicas[1], Number(values.restarts), 500);
        summary.push(spread('will after SIGKILL, restarted in place after 0.5 s, no other replica', t));
      } finally {
        await lone.cleanup();
      }
    }
  } finally {
    await leaveAll();
    await set.cleanup();
  }
  if (parts.has('stalls')) {
    const stalls = values.stalls.split(',').map(Number);
    for (const pair of values.settings.split(',')) {
      const [ttlMs, stallMs] = pair.split(':').map(Number);
      const setting: LivenessSetting = { ttlMs, stallMs };
      for (const o of await falseDeaths(setting, stalls, Number(values['stall-runs'])))
        summary.push(stallRow(o));
    }
  }
  process.stdout.write(`\n${summary.join('')}`);
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exitCode = 1;
});
