import { runLoad } from '../run/load';
import type { StepResult } from '../run/step-result';
import { OffloadSystem } from '../systems/offload';
import type { ClientSpec } from '../worker/protocol';
import { names, workersFor, type ScenarioContext } from './context';

export interface OneToOneResult {
  readonly pairs: number;
  readonly qos: 0 | 1;
  readonly setupErrors: string[];
  /** One step per total rate. */
  readonly steps: StepResult[];
  /** How the processes were laid out on the CPUs, when the scenario laid them out itself. */
  readonly notes?: string[];
}

/** Pairs of one publisher and one subscriber on a topic of their own, at fixed total rates. */
export async function oneToOne(ctx: ScenarioContext, qos: 0 | 1): Promise<OneToOneResult> {
  const { pairs, rates } = ctx.profile.oneToOne;
  const n = names(ctx, `p2p-q${qos}`);
  const clients: ClientSpec[] = [];
  for (let i = 0; i < pairs; i++) {
    const topic = `${n.topic}/${i}`;
    clients.push({ role: 'sub', index: i, clientId: `${n.client}-sub${i}`, topic, qos, clean: true });
    clients.push({ role: 'pub', index: i, clientId: `${n.client}-pub${i}`, topic, qos, clean: true });
  }
  const { setup, steps } = await runLoad(ctx.system, {
    clients,
    workers: workersFor(pairs * 2),
    rates,
    stepMs: ctx.profile.stepMs,
    drainMs: ctx.profile.drainMs,
    fanout: 1,
    qos,
    stopWhenUnsustainable: false,
    pinned: ctx.pinned,
  });
  return { pairs, qos, setupErrors: setup.errors, steps };
}

/**
 * The same pairs in the offload layout (see OffloadSystem): RabbitMQ alone on
 * one core, the adapter and the generator on the other, so a message's
 * hand-offs between adapter and RabbitMQ do not queue for the same core.
 */
export async function oneToOneOffload(ctx: ScenarioContext, qos: 0 | 1): Promise<OneToOneResult> {
  const system = await OffloadSystem.start(ctx.system.name, `${ctx.runId}-${ctx.rep}-p2p`, ctx.pinned);
  try {
    return { ...(await oneToOne({ ...ctx, system }, qos)), notes: system.notes() };
  } finally {
    await system.stop();
  }
}
