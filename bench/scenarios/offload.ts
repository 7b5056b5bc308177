import { runLoad } from '../run/load';
import type { StepResult } from '../run/step-result';
import { OffloadSystem } from '../systems/offload';
import { names, workersFor, type ScenarioContext } from './context';
import { fanInClients, sustainedMax } from './fan-in';

export interface OffloadResult {
  readonly publishers: number;
  readonly qos: 0 | 1;
  readonly setupErrors: string[];
  readonly steps: StepResult[];
  /** Highest offered rate sustained before the first step that was not. */
  readonly maxRate: number;
  /** The sustained step at that rate, for its generator lag and how busy RabbitMQ's core was. */
  readonly atMax: StepResult | undefined;
  readonly notes: string[];
}

/**
 * Fan-in with RabbitMQ confined to one core, as in every system here, and the
 * adapter on the other (see OffloadSystem): how much one RabbitMQ core carries
 * through the adapter against through its own MQTT plugin.
 */
export async function offload(ctx: ScenarioContext, qos: 0 | 1): Promise<OffloadResult> {
  const publishers = ctx.profile.offload.publishers;
  const n = names(ctx, `offload${publishers}q${qos}`);
  const system = await OffloadSystem.start(ctx.system.name, `${ctx.runId}-${ctx.rep}`, ctx.pinned);
  try {
    const { setup, steps } = await runLoad(system, {
      clients: fanInClients(n, publishers, qos),
      workers: workersFor(publishers),
      rates: ctx.profile.offload.rates[qos],
      stepMs: ctx.profile.stepMs,
      drainMs: ctx.profile.drainMs,
      fanout: 1,
      qos,
      stopWhenUnsustainable: true,
      pinned: ctx.pinned,
    });
    const maxRate = sustainedMax(steps);
    return {
      publishers,
      qos,
      setupErrors: setup.errors,
      steps,
      maxRate,
      atMax: steps.find((s) => s.sustainable && s.rate === maxRate),
      notes: system.notes(),
    };
  } finally {
    await system.stop();
  }
}
