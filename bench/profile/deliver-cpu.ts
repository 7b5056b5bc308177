import type mqtt from 'mqtt';
import { spawnAdapter, type AdapterProcess } from '../../test/integration/helpers/adapter';
import { cpuSeconds, loadAverage } from '../proc/cpu';
import { guestClient } from './guest-client';

/**
 * `node build/bench/profile/deliver-cpu.js RATE [SECONDS] [PAIRS] [main.js ...]`:
 * the adapter's CPU (user + system, from /proc) per message while PAIRS
 * clean-session QoS 0 publisher/subscriber pairs pass RATE messages a second
 * in all, each pair on a topic of its own. CPU per message moves far less
 * with the machine's load than latency or throughput do. Given several
 * builds (their build/adapter/src/main.js), runs one adapter of each side by
 * side under the same load at the same moment, so that they can be compared
 * on a machine others load. Run with `NODE_OPTIONS=--cpu-prof` in the
 * environment to profile the adapters.
 */

const PAYLOAD = Buffer.alloc(64, 0x61);
const TICK_MS = 10;
const WARMUP_MS = 5000;

interface Rig {
  readonly main: string | undefined;
  readonly adapter: AdapterProcess;
  readonly pubs: mqtt.MqttClient[];
  received: number;
}

async function rig(
  main: string | undefined,
  n: number,
  pairs: number,
  clients: mqtt.MqttClient[],
): Promise<Rig> {
  const adapter = await spawnAdapter({ MQTT_ADAPTER_STORE: 'memory' }, main);
  const r: Rig = { main, adapter, pubs: [], received: 0 };
  const run = `deliver-cpu/${process.pid}/${n}`;
  for (let i = 0; i < pairs; i++) {
    const sub = await guestClient(adapter.ports.mqtt, `dcpu-${process.pid}-${n}-s${i}`);
    clients.push(sub);
    sub.on('message', () => r.received++);
    await sub.subscribeAsync(`${run}/${i}`, { qos: 0 });
    const pub = await guestClient(adapter.ports.mqtt, `dcpu-${process.pid}-${n}-p${i}`);
    clients.push(pub);
    r.pubs.push(pub);
  }
  return r;
}

async function main(): Promise<void> {
  const [rateArg, secondsArg, pairsArg, ...mains] = process.argv.slice(2);
  const rate = Number(rateArg);
  const seconds = Number(secondsArg ?? 20);
  const pairs = Number(pairsArg ?? 10);
  if (!(rate > 0)) throw new Error('usage: deliver-cpu.js RATE [SECONDS] [PAIRS] [main.js ...]');
  const clients: mqtt.MqttClient[] = [];
  const rigs: Rig[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    for (const [n, m] of (mains.length > 0 ? mains : [undefined]).entries())
      rigs.push(await rig(m, n, pairs, clients));
    const perTick = (rate * TICK_MS) / 1000;
    let owed = 0;
    let next = 0;
    timer = setInterval(() => {
      owed += perTick;
      for (; owed >= 1; owed--) {
        const i = next++ % pairs;
        for (const [n, r] of rigs.entries())
          r.pubs[i].publish(`deliver-cpu/${process.pid}/${n}/${i}`, PAYLOAD, { qos: 0 });
      }
    }, TICK_MS);
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    const before = rigs.map((r) => ({ cpu: cpuSeconds(r.adapter.pid), got: r.received }));
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const wall = (Date.now() - t0) / 1000;
    for (const [n, r] of rigs.entries()) {
      const cpu = cpuSeconds(r.adapter.pid) - before[n].cpu;
      const got = r.received - before[n].got;
      process.stdout.write(
        `${JSON.stringify({
          main: r.main ?? 'this build',
          rate,
          pairs,
          seconds: wall,
          delivered: got,
          deliveredPerSecond: Math.round(got / wall),
          adapterCpuSeconds: Number(cpu.toFixed(2)),
          cpuMicrosPerMessage: Number(((cpu * 1e6) / got).toFixed(1)),
          load: loadAverage(),
        })}\n`,
      );
    }
  } finally {
    clearInterval(timer);
    await Promise.all(clients.map((c) => c.endAsync().catch(() => undefined)));
    await Promise.all(rigs.map((r) => r.adapter.stop()));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 1;
});
