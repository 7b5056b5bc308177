import * as net from 'node:net';
import { parser as createParser, type Packet } from 'mqtt-packet';
import { mutate, type MutationKind } from './mutate';
import { afterConnect, connect, type Level, type Topics } from './packets';
import { Rng } from './rng';
import { encode } from './wire';

/**
 * One socket's share of a fuzz run, all drawn from (seed, job): either a
 * valid CONNECT, its CONNACK awaited, then packets of which some are
 * mutated; or a mutated CONNECT first. The bytes go out split at random
 * points across writes, then a PINGREQ asks whether the connection still
 * answers. The job ends with one outcome: the adapter answered, or closed
 * the socket (after which CONNACK or DISCONNECT code), or neither.
 */

export interface JobPlan {
  readonly job: number;
  readonly level: Level;
  /** The first packet is the mutated (or not) CONNECT itself. */
  readonly beforeConnect: boolean;
  readonly packets: Buffer[];
  readonly mutations: MutationKind[];
  readonly connect?: Buffer;
  /** Where the stream is cut into writes. */
  readonly cuts: number[];
}

export interface JobOutcome {
  /** `answered`, `closed`, `closed after CONNACK 0x..`, `closed after DISCONNECT 0x..`, `open (no keepalive)`. */
  readonly kind: string;
  /** No outcome within the hang deadline where the adapter owed one: a hang. */
  readonly hung: boolean;
  /** The outcome came, but this many ms past the deadline (a loaded machine, not a hang). */
  readonly lateMs?: number;
  /** A valid CONNECT was refused. */
  readonly refused?: string;
}

const MUTATE = 0.1;

export function planJob(seed: number, job: number, topics: Topics, maxPackets: number): JobPlan {
  const rng = new Rng(seed, job);
  const level = rng.pick([3, 4, 5] as const);
  const beforeConnect = rng.chance(0.3);
  const clientId = `${topics.root.replace(/\//g, '-')}-${job}`;
  const first = connect(rng, level, topics, { clientId, keepalive: 1, clean: rng.chance(0.8) });
  const count = 1 + rng.int(maxPackets);
  const packets: Buffer[] = [];
  const mutations: MutationKind[] = [];
  const spare = encode(afterConnect(rng, level, topics));
  for (let i = 0; i < count; i++) {
    const p = beforeConnect && i === 0 ? first : afterConnect(rng, level, topics);
    if (rng.chance(beforeConnect && i === 0 ? 0.8 : MUTATE)) {
      const m = mutate(rng, p, spare);
      packets.push(m.bytes);
      mutations.push(m.kind);
    } else packets.push(encode(p));
  }
  const total = packets.reduce((s, b) => s + b.length, 0);
  const cuts = Array.from({ length: rng.int(4) }, () => rng.int(total)).sort((a, b) => a - b);
  return {
    job,
    level,
    beforeConnect,
    packets,
    mutations,
    connect: beforeConnect ? undefined : encode(first),
    cuts,
  };
}

const DEADLINE_MS = 6000;
/**
 * Past DEADLINE_MS an owed outcome is late, and only a hang past this: on a
 * 2-core machine under other load, a stalled second can delay a due close by
 * seconds, while a leaked socket stays open for good.
 */
const HANG_DEADLINE_MS = 60_000;
const CONNACK_DEADLINE_MS = 20_000;

/** Runs a job against the adapter at `port`. */
export function runJob(port: number, plan: JobPlan): Promise<JobOutcome> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    const parser = createParser({ protocolVersion: plan.level });
    let last: Packet | undefined;
    let connacked = false;
    let probed = false;
    let done = false;
    let dueAt: number | undefined;
    const finish = (o: JobOutcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const lateMs = dueAt === undefined ? 0 : Date.now() - dueAt;
      resolve(lateMs > 0 && !o.hung ? { ...o, lateMs } : o);
    };
    // A CONNECT may wait its turn behind many others; after the last write the adapter owes an outcome soon.
    let timer = setTimeout(() => finish({ kind: 'no CONNACK', hung: true }), CONNACK_DEADLINE_MS);
    const owe = (): void => {
      clearTimeout(timer);
      // Owed a close: a client never accepted (the CONNECT timeout), or one of our CONNECTs (keepalive 1 s).
      const owed = !connacked || !plan.beforeConnect;
      if (!owed) {
        dueAt = undefined;
        timer = setTimeout(() => finish({ kind: 'open (no keepalive)', hung: false }), DEADLINE_MS);
        return;
      }
      dueAt = Date.now() + DEADLINE_MS;
      timer = setTimeout(() => finish({ kind: 'open (no keepalive)', hung: true }), HANG_DEADLINE_MS);
    };
    parser.on('packet', (p: Packet) => {
      last = p;
      if (p.cmd === 'connack' && !connacked) {
        const code = p.reasonCode ?? p.returnCode ?? 0;
        if (!plan.beforeConnect && code !== 0)
          finish({ kind: 'refused', hung: false, refused: `CONNACK ${code}` });
        connacked = code === 0;
        if (connacked && !plan.beforeConnect) void send();
        // A mutated CONNECT accepted only after the last write: no close is owed to a client the adapter
        // accepted, and whatever it waits for (a packet cut short) is its keepalive's to end.
        if (connacked && plan.beforeConnect && probed) owe();
      }
      if (p.cmd === 'pingresp' && probed) finish({ kind: 'answered', hung: false });
    });
    // What comes back after a refused packet may itself not parse at the level guessed: the close is what counts.
    parser.on('error', () => undefined);
    socket.on('data', (d: Buffer) => parser.parse(d));
    socket.on('error', () => undefined);
    socket.on('close', () => finish({ kind: closedKind(last), hung: false }));
    socket.on('connect', () => {
      if (plan.connect) socket.write(plan.connect);
      else void send();
    });

    async function send(): Promise<void> {
      const stream = Buffer.concat(plan.packets);
      let from = 0;
      for (const cut of [...plan.cuts, stream.length]) {
        if (socket.destroyed) return;
        if (cut > from) socket.write(stream.subarray(from, cut));
        from = Math.max(from, cut);
        await new Promise((r) => setImmediate(r));
      }
      if (socket.destroyed) return;
      probed = true;
      socket.write(Buffer.from([0xc0, 0x00]));
      owe();
    }
  });
}

function closedKind(last: Packet | undefined): string {
  if (last?.cmd === 'disconnect') return `closed after DISCONNECT 0x${(last.reasonCode ?? 0).toString(16)}`;
  if (last?.cmd === 'connack') {
    const code = last.reasonCode ?? last.returnCode ?? 0;
    if (code !== 0) return `closed after CONNACK 0x${code.toString(16)}`;
  }
  return 'closed';
}
