import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { loadAverage } from './proc/cpu';
import { hasTaskset } from './proc/pin';
import { restoreServices, setPinning } from './proc/shared-services';
import { writeReport } from './report/write';
import { FULL, QUICK } from './run/profile';
import { emptyTables, type RunResults } from './run/results';
import { SYSTEM_NAMES, createSystem, rotate } from './run/systems';
import { NAMED_ONLY, SCENARIOS, units, type ScenarioName } from './run/units';
import type { SystemName, SystemUnderTest } from './systems/types';

/**
 * `node build/bench/main.js [--profile quick|full] [--systems a,b] [--scenarios x,y] [--reps N] [--out DIR]`
 * Runs every selected system through every selected scenario, one after another,
 * rotating the order each repetition, and writes bench/results/<date>.{md,json,png}.
 */
const ROOT = path.resolve(__dirname, '../..');

function options() {
  const { values } = parseArgs({
    options: {
      profile: { type: 'string', default: 'quick' },
      systems: { type: 'string', default: SYSTEM_NAMES.join(',') },
      scenarios: { type: 'string', default: SCENARIOS.join(',') },
      reps: { type: 'string' },
      out: { type: 'string', default: path.join(ROOT, 'bench/results') },
      name: { type: 'string' },
      'no-pin': { type: 'boolean', default: false },
      'max-minutes': { type: 'string' },
      // For profiling: fixed fan-in rates and QoS levels instead of the profile's.
      'fan-in-rates': { type: 'string' },
      'fan-in-qos': { type: 'string' },
      'step-ms': { type: 'string' },
      // For profiling: fixed 1:1 rates instead of the profile's.
      'one-to-one-rates': { type: 'string' },
    },
  });
  const base = values.profile === 'full' ? FULL : QUICK;
  const rates = values['fan-in-rates']?.split(',').map(Number);
  const qos = values['fan-in-qos']?.split(',').map((q) => (q === '1' ? 1 : 0));
  const oneToOneRates = values['one-to-one-rates']?.split(',').map(Number);
  const profile = {
    ...base,
    reps: values.reps ? Number(values.reps) : base.reps,
    maxMinutes: values['max-minutes'] ? Number(values['max-minutes']) : base.maxMinutes,
    stepMs: values['step-ms'] ? Number(values['step-ms']) : base.stepMs,
    fanIn: {
      ...base.fanIn,
      qos: qos ?? base.fanIn.qos,
      rates: rates ? { 0: rates, 1: rates } : base.fanIn.rates,
      referenceRate: rates ? { 0: rates[0], 1: rates[0] } : base.fanIn.referenceRate,
    },
    oneToOne: { ...base.oneToOne, rates: oneToOneRates ?? base.oneToOne.rates },
  };
  const systems = values.systems.split(',').filter(Boolean) as SystemName[];
  const scenarios = values.scenarios.split(',').filter(Boolean) as ScenarioName[];
  for (const s of systems) if (!SYSTEM_NAMES.includes(s)) throw new Error(`unknown system ${s}`);
  for (const s of scenarios)
    if (!SCENARIOS.includes(s) && !NAMED_ONLY.includes(s)) throw new Error(`unknown scenario ${s}`);
  const pinned = !values['no-pin'] && hasTaskset();
  return { profile, systems, scenarios, out: values.out, name: values.name, pinned };
}

function commit(): string {
  try {
    return execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

async function main(): Promise<void> {
  const o = options();
  setPinning(o.pinned);
  const now = new Date();
  const results: RunResults = {
    runId: now.getTime().toString(36),
    profile: o.profile.name,
    command: `node build/bench/main.js ${process.argv.slice(2).join(' ')}`.trim(),
    started: now.toISOString(),
    finished: '',
    commit: commit(),
    pinned: o.pinned,
    systems: o.systems,
    load: [{ at: now.toISOString(), loadavg: loadAverage() }],
    notes: [],
    ...emptyTables(),
  };
  const deadline = Date.now() + o.profile.maxMinutes * 60_000;
  const systems: SystemUnderTest[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      for (const s of systems) await s.cleanup().catch((e: Error) => log(`cleanup ${s.name}: ${e.message}`));
      await restoreServices();
    })());
  const onSignal = (): void => void cleanup().then(() => process.exit(130));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const plan = units(o.profile, o.scenarios);
    // Units that start their own processes need nothing of the machine's services (no plugin, no pinning).
    const shared = plan.some((u) => !u.ownsSystem);
    for (const name of o.systems) {
      const s = createSystem(name, o.pinned);
      systems.push(s);
      if (!shared) continue;
      log(`preparing ${name}`);
      await s.prepare();
    }
    for (let rep = 0; rep < o.profile.reps; rep++) {
      for (const [u, unit] of plan.entries()) {
        if (rep >= unit.reps) continue;
        for (const system of rotate(systems, rep + u)) {
          if (!unit.applies(system.name)) continue;
          if (!unit.ownsSystem && unit.connections > system.maxConnections) {
            if (rep === 0)
              results.notes.push(
                `${unit.scenario} ${unit.variant} skipped on ${system.name}: needs ${unit.connections} connections, may take ${system.maxConnections}`,
              );
            continue;
          }
          if (Date.now() > deadline) {
            results.notes.push(
              `time limit: ${unit.scenario} ${unit.variant} rep ${rep + 1} on ${system.name} skipped`,
            );
            continue;
          }
          log(`rep ${rep + 1} ${unit.scenario} ${unit.variant} on ${system.name}`);
          try {
            if (!unit.ownsSystem) await system.start();
            await unit.run(
              { runId: results.runId, profile: o.profile, pinned: o.pinned, rep, system },
              results,
            );
          } catch (err) {
            results.notes.push(
              `${unit.scenario} ${unit.variant} rep ${rep + 1} on ${system.name} failed: ${(err as Error).message}`,
            );
            log(`failed: ${(err as Error).message}`);
          } finally {
            await system.stop();
          }
          results.load.push({ at: new Date().toISOString(), loadavg: loadAverage() });
        }
      }
    }
    if (shared) for (const s of systems) results.notes.push(...s.notes());
  } finally {
    await cleanup();
  }
  results.finished = new Date().toISOString();
  const written = await writeReport(results, o.out, o.name);
  log(`results: ${written.join(', ')}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
