import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { GENERATOR_CPU, pinnedCommand } from '../proc/pin';
import { LOOPBACK, PASSWORD, USERNAME } from '../systems/types';
import { names, type ScenarioContext } from './context';

const run = promisify(execFile);
const BIN = path.resolve(__dirname, '../../../.tools/bin');

export interface CrosscheckResult {
  readonly tool: string;
  readonly qos: 0 | 1;
  /** Publish throughput the tool reports ("Aggregate Bandwidth"), messages per second. */
  readonly msgPerSecond: number;
  readonly ok: boolean;
}

/** The installed cross-check tool: krylovsk/mqtt-benchmark, or bench/crosscheck built by scripts/bench-tools.sh. */
export function crosscheckTool(): string | undefined {
  for (const name of ['mqtt-benchmark', 'crosscheck']) {
    const p = path.join(BIN, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/**
 * Closed-loop publish throughput as an independent tool measures it. The
 * system has just started, so one unmeasured run of the same size goes first,
 * as the load scenarios' warm-up step does: without it the figure is mostly
 * how fast a new process warms up (the adapter's first 20,000 messages run
 * before V8 has optimised the publish path, at about twice the CPU per
 * message of the next 20,000; see bench/results/2026-12-06-cpu-floors.md).
 */
export async function crosscheck(ctx: ScenarioContext, qos: 0 | 1): Promise<CrosscheckResult | undefined> {
  const tool = crosscheckTool();
  if (!tool || ctx.system.protocol !== 'mqtt') return undefined;
  const { clients, count } = ctx.profile.crosscheck;
  const n = names(ctx, `xcheck-q${qos}`);
  const argv = (topic: string): string[] => [
    tool,
    `-broker=tcp://${LOOPBACK}:${ctx.system.port}`,
    `-topic=${topic}`,
    `-username=${USERNAME}`,
    `-password=${PASSWORD}`,
    `-qos=${qos}`,
    '-size=100',
    `-count=${count}`,
    `-clients=${clients}`,
  ];
  const once = (topic: string): Promise<CrosscheckResult> =>
    toolRun(tool, pinnedCommand(ctx.pinned ? GENERATOR_CPU : undefined, argv(topic)), qos);
  await once(`${n.topic}/warm-up`);
  return once(`${n.topic}/t`);
}

/** The tool's summary figure, "Aggregate Bandwidth (msg/sec)", or undefined when it printed none. */
export function aggregateRate(stdout: string): number | undefined {
  const m = /Aggregate Bandwidth \(msg\/sec\):\s+([\d.]+)/.exec(stdout);
  return m ? Number(m[1]) : undefined;
}

async function toolRun(tool: string, [cmd, args]: [string, string[]], qos: 0 | 1): Promise<CrosscheckResult> {
  const result = (stdout: string, ok: boolean): CrosscheckResult => {
    const rate = aggregateRate(stdout);
    return { tool: path.basename(tool), qos, msgPerSecond: rate ?? 0, ok: ok && rate !== undefined };
  };
  try {
    return result((await run(cmd, args, { timeout: 120_000 })).stdout, true);
  } catch (err) {
    return result((err as { stdout?: string }).stdout ?? '', false);
  }
}
