import { cpuDelta, cpuSnapshot } from '../proc/cpu';
import type { SystemUnderTest } from '../systems/types';
import { LOOPBACK, PASSWORD, USERNAME } from '../systems/types';
import { nowUs } from '../wire/payload';
import type { ClientSpec, Target } from '../worker/protocol';
import { summarize, type StepResult } from './step-result';
import { WorkerPool, deal, type SetupResult } from './worker-pool';

export interface LoadPlan {
  readonly clients: readonly ClientSpec[];
  readonly workers: number;
  /** Offered total publish rates, one step each, in order. */
  readonly rates: readonly number[];
  readonly stepMs: number;
  readonly drainMs: number;
  readonly fanout: number;
  readonly qos: 0 | 1;
  /** Stop at the first step that is not sustained (a rate search)... */
  readonly stopWhenUnsustainable: boolean;
  /** ...but not below this rate, which every system is measured at. */
  readonly mustReach?: number;
  readonly pinned: boolean;
}

export interface LoadResult {
  readonly setup: SetupResult;
  readonly steps: StepResult[];
}

let stepCounter = 1;
const WARMUP_MS = 1000;

export function targetOf(s: SystemUnderTest): Target {
  return { protocol: s.protocol, host: LOOPBACK, port: s.port, username: USERNAME, password: PASSWORD };
}

/** Connects the plan's clients to a started system and runs its load steps. */
export async function runLoad(system: SystemUnderTest, plan: LoadPlan): Promise<LoadResult> {
  const pool = new WorkerPool(plan.workers, plan.pinned);
  const steps: StepResult[] = [];
  try {
    const setup = await pool.setup(targetOf(system), deal(plan.clients, plan.workers), 20);
    if (setup.failed > 0) return { setup, steps };
    const publishers = plan.clients.filter((c) => c.role === 'pub').length;
    await new Promise((r) => setTimeout(r, 500));
    // A short unmeasured step first, so connection set-up and JIT warm-up do not land in the first step.
    await pool.step(stepCounter++, nowUs() + 100_000, WARMUP_MS, plan.rates[0] / publishers, 300);
    for (const rate of plan.rates) {
      const before = cpuSnapshot(system.processes());
      const genBefore = cpuSnapshot(pool.pids);
      const reports = await pool.step(
        stepCounter++,
        nowUs() + 200_000,
        plan.stepMs,
        rate / publishers,
        plan.drainMs,
      );
      const gen = cpuDelta(genBefore, cpuSnapshot(pool.pids));
      const r = summarize({
        rate,
        seconds: plan.stepMs / 1000,
        fanout: plan.fanout,
        qos: plan.qos,
        reports,
        cpu: cpuDelta(before, cpuSnapshot(system.processes())),
        generatorCpu: Object.values(gen).reduce((a, b) => a + b, 0),
      });
      steps.push(r);
      if (plan.stopWhenUnsustainable && !r.sustainable && rate >= (plan.mustReach ?? 0)) break;
    }
    await pool.teardown(false);
    return { setup, steps };
  } finally {
    pool.kill();
  }
}
