import * as net from 'node:net';
import { delay } from '../../test/integration/helpers/wait';
import { cpuSeconds, loadAverage } from '../proc/cpu';
import { GENERATOR_CPU, SYSTEM_CPU, pin } from '../proc/pin';
import { child, corked, counters, echo, listen, perMessage } from './relay-parts';

/**
 * `node build/bench/profile/relay-floor.js [RATE ...]`: what a Node process
 * pays per message only to move the bytes of the fan-in scenario, with no
 * protocol work at all, to set the adapter's CPU per message against.
 *
 * The relay does what the adapter's sockets do in fan-in: it reads 100
 * publishers' 120-byte QoS 0 PUBLISH packets, writes them to one upstream
 * connection corked until the end of the event-loop turn (as the adapter's
 * publishes to RabbitMQ), reads them back from upstream (an echo standing in
 * for RabbitMQ's deliveries) and writes them to one subscriber corked for the
 * tick (as the adapter's MQTT writes). Relay and echo are pinned to the
 * systems' CPU and the generator to the other, as in the bench. It prints the
 * relay's CPU per delivered message, its context switches and syscalls per
 * message, and the echo's CPU.
 */

const PUBLISHERS = 100;
const PAYLOAD = 100;
const TOPIC = 'bench/fanin/0000';
const WARM_MS = 3000;
const MEASURE_MS = 10_000;

function packet(): Buffer {
  const topic = Buffer.from(TOPIC);
  const remaining = 2 + topic.length + PAYLOAD;
  return Buffer.concat([
    Buffer.from([0x30, remaining]),
    Buffer.from([0, topic.length]),
    topic,
    Buffer.alloc(PAYLOAD, 7),
  ]);
}

async function relay(upstreamPort: number): Promise<void> {
  const up = net.connect(upstreamPort, '127.0.0.1');
  up.setNoDelay(true);
  const toUpstream = corked(up, setImmediate);
  let toSubscriber: ((d: Buffer) => void) | undefined;
  up.on('data', (d: Buffer) => toSubscriber?.(d));
  const pubs = net.createServer((s) => {
    s.setNoDelay(true);
    s.on('error', () => undefined);
    s.on('data', toUpstream);
  });
  const subs = net.createServer((s) => {
    s.setNoDelay(true);
    s.on('error', () => undefined);
    toSubscriber = corked(s, (f) => process.nextTick(f));
  });
  process.send?.([await listen(pubs), await listen(subs)]);
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.setNoDelay(true);
    s.once('error', reject);
  });
}

/** Open-loop sends: message k is due at k / rate, round-robin over the publishers, checked every millisecond. */
function generate(pubs: readonly net.Socket[], rate: number, ms: number): Promise<void> {
  const pkt = packet();
  const start = performance.now();
  const total = Math.floor((rate * ms) / 1000);
  let k = 0;
  return new Promise((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
      for (; k < due; k++) pubs[k % pubs.length].write(pkt);
      if (k >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
}

async function measure(rates: number[]): Promise<void> {
  await pin(process.pid, GENERATOR_CPU);
  const e = child(__filename, 'echo', []);
  const upstream = (await e.ready) as number;
  const r = child(__filename, 'relay', [String(upstream)]);
  const [pubPort, subPort] = (await r.ready) as [number, number];
  const relayPid = r.proc.pid as number;
  const echoPid = e.proc.pid as number;
  await pin(relayPid, SYSTEM_CPU);
  await pin(echoPid, SYSTEM_CPU);
  const sub = await connect(subPort);
  let received = 0;
  const size = packet().length;
  sub.on('data', (d: Buffer) => (received += d.length));
  const pubs = await Promise.all(Array.from({ length: PUBLISHERS }, () => connect(pubPort)));
  await delay(500);
  console.log(`relay floor: ${PUBLISHERS} publishers, ${size}-byte packets, load ${loadAverage()}`);
  console.log(
    '| msg/s | relay µs/msg | echo µs/msg | relay voluntary cs/msg | involuntary cs/msg | reads/msg | writes/msg | delivered |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  try {
    for (const rate of rates) {
      const sending = generate(pubs, rate, WARM_MS + MEASURE_MS);
      await delay(WARM_MS);
      const a = counters(relayPid);
      const ea = cpuSeconds(echoPid);
      const ra = received;
      await delay(MEASURE_MS);
      const b = counters(relayPid);
      const eb = cpuSeconds(echoPid);
      const n = (received - ra) / size;
      await sending;
      await delay(500);
      const [cpu, ...rest] = perMessage(a, b, n);
      const echoCpu = (((eb - ea) * 1e6) / n).toFixed(1);
      console.log(`| ${[rate, cpu, echoCpu, ...rest, n.toFixed(0)].join(' | ')} |`);
    }
  } finally {
    for (const s of [...pubs, sub]) s.destroy();
    r.proc.kill();
    e.proc.kill();
  }
}

const [role, arg] = process.argv.slice(2);
if (role === 'echo') void echo();
else if (role === 'relay') void relay(Number(arg));
else {
  const rates = process.argv
    .slice(2)
    .map(Number)
    .filter((x) => x > 0);
  measure(rates.length ? rates : [2000, 5000]).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
