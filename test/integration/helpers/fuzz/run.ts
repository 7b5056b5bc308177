import type { Adapter } from '../../../../adapter/src/server';
import { planJob, runJob, type JobPlan } from './job';
import { Topics } from './packets';
import { NumberedStream, type StreamCounts } from './stream';

/**
 * A fuzz run: jobs planned from one seed, `sockets` at a time, until
 * `packets` packets have gone out, against an adapter with a numbered
 * QoS 1 stream beside them. `FUZZ_SEED=<seed> FUZZ_PACKETS=<n>` replays a
 * run; `FUZZ_JOB=<job>` replays one socket's share of it alone.
 */

export interface FuzzOptions {
  readonly seed: number;
  readonly packets: number;
  /** Only this job (a replay). */
  readonly job?: number;
  readonly sockets: number;
  /** Packets per socket at most. */
  readonly perSocket: number;
  readonly topicRoot: string;
  readonly log?: (line: string) => void;
}

export interface Finding {
  readonly what: string;
  readonly seed: number;
  readonly job: number;
  /** The run's packet numbers the job sent. */
  readonly packets: readonly [number, number];
  readonly replay: string;
}

export interface FuzzResult {
  readonly jobs: number;
  readonly packets: number;
  readonly mutated: Record<string, number>;
  readonly outcomes: Record<string, number>;
  readonly findings: Finding[];
  readonly stream: StreamCounts;
  readonly ms: number;
  /** Owed outcomes that came past the deadline but before the hang deadline: how many, and the latest by. */
  readonly late: { readonly count: number; readonly maxMs: number };
}

const bump = (m: Record<string, number>, k: string): void => void (m[k] = (m[k] ?? 0) + 1);

/** The jobs of a run in order, each with the first packet number it sends. */
function* plans(o: FuzzOptions, topics: Topics): Generator<{ plan: JobPlan; first: number }> {
  let sent = 0;
  for (let job = 0; sent < o.packets; job++) {
    const plan = planJob(o.seed, job, topics, o.perSocket);
    if (o.job === undefined || o.job === job) yield { plan, first: sent };
    sent += plan.packets.length;
    if (o.job !== undefined && job >= o.job) return;
  }
}

export function replayLine(seed: number, packets: number, job: number): string {
  return `FUZZ_SEED=${seed} FUZZ_PACKETS=${packets} FUZZ_JOB=${job}`;
}

export async function runFuzz(adapter: Adapter, o: FuzzOptions): Promise<FuzzResult> {
  const started = Date.now();
  const port = adapter.ports.mqtt;
  const topics = new Topics(o.topicRoot);
  const stream = await NumberedStream.start(port);
  const outcomes: Record<string, number> = {};
  const mutated: Record<string, number> = {};
  const findings: Finding[] = [];
  const inFlight = new Map<number, { first: number; last: number }>();
  let jobs = 0;
  let packets = 0;
  const late = { count: 0, maxMs: 0 };
  const finding = (what: string, job: number, first: number, last: number): Finding => {
    const replay =
      job >= 0 ? replayLine(o.seed, o.packets, job) : `FUZZ_SEED=${o.seed} FUZZ_PACKETS=${o.packets}`;
    const f = { what, seed: o.seed, job, packets: [first, last] as const, replay };
    findings.push(f);
    o.log?.(`FINDING ${what}: seed ${o.seed} job ${job} packets ${first}..${last}; replay with ${f.replay}`);
    return f;
  };
  // An exception that escapes the adapter names the jobs that were running (before the process or test dies of it).
  const onCrash = (err: Error): void => {
    for (const [job, r] of inFlight) finding(`uncaught ${err.message}`, job, r.first, r.last);
  };
  process.on('uncaughtExceptionMonitor', onCrash);
  const it = plans(o, topics);
  let lastReport = Date.now();
  const worker = async (): Promise<void> => {
    for (let n = it.next(); !n.done; n = it.next()) {
      const { plan, first } = n.value;
      const last = first + plan.packets.length - 1;
      inFlight.set(plan.job, { first, last });
      for (const m of plan.mutations) bump(mutated, m);
      const out = await runJob(port, plan);
      inFlight.delete(plan.job);
      jobs++;
      packets += plan.packets.length;
      bump(outcomes, `v${plan.level} ${plan.beforeConnect ? 'as CONNECT' : 'after CONNECT'}: ${out.kind}`);
      if (out.lateMs !== undefined) {
        late.count++;
        late.maxMs = Math.max(late.maxMs, out.lateMs);
        o.log?.(`late: job ${plan.job} (${out.kind}) ${out.lateMs} ms past the deadline`);
      }
      if (out.hung) finding(`no close nor answer within the deadline (${out.kind})`, plan.job, first, last);
      if (out.refused) finding(`valid CONNECT refused: ${out.refused}`, plan.job, first, last);
      if (o.log && Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        o.log(`${packets} packets, ${jobs} sockets, ${Math.round((Date.now() - started) / 1000)} s`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: o.sockets }, worker));
  } finally {
    process.off('uncaughtExceptionMonitor', onCrash);
  }
  const counts = await stream.stop();
  if (counts.lost || counts.duplicated || counts.outOfOrder || counts.disconnected)
    finding(`bystander stream: ${JSON.stringify(counts)}`, -1, 0, packets - 1);
  return { jobs, packets, mutated, outcomes, findings, stream: counts, ms: Date.now() - started, late };
}
