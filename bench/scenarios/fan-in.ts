import { runLoad } from '../run/load';
import type { StepResult } from '../run/step-result';
import type { ClientSpec } from '../worker/protocol';
import { names, workersFor, type ScenarioContext } from './context';

export interface FanInResult {
  readonly publishers: number;
  readonly qos: 0 | 1;
  readonly setupErrors: string[];
  readonly steps: StepResult[];
  /** Highest offered rate that was sustained (p99 < 100 ms, no loss at QoS 1). */
  readonly maxRate: number;
  /** The step at the profile's reference rate, where messages per CPU-second are compared. */
  readonly reference: StepResult | undefined;
}

/** One wildcard subscriber, then N publishers each on a topic of its own under it. */
export function fanInClients(
  n: { topic: string; client: string },
  publishers: number,
  qos: 0 | 1,
): ClientSpec[] {
  const clients: ClientSpec[] = [
    { role: 'sub', index: 0, clientId: `${n.client}-sub`, topic: `${n.topic}/#`, qos, clean: true },
  ];
  for (let i = 0; i < publishers; i++) {
    clients.push({
      role: 'pub',
      index: i,
      clientId: `${n.client}-pub${i}`,
      topic: `${n.topic}/${i}`,
      qos,
      clean: true,
    });
  }
  return clients;
}

/** The highest rate sustained before the first step that was not: a step sustained above it does not count. */
export function sustainedMax(steps: readonly StepResult[]): number {
  const firstFailure = steps.findIndex((s) => !s.sustainable);
  const sustained = (firstFailure < 0 ? steps : steps.slice(0, firstFailure)).filter((s) => s.sustainable);
  return sustained.length ? Math.max(...sustained.map((s) => s.rate)) : 0;
}

/** N publishers, each on a topic of its own, feed one wildcard subscriber. */
export async function fanIn(ctx: ScenarioContext, publishers: number, qos: 0 | 1): Promise<FanInResult> {
  const n = names(ctx, `fanin${publishers}q${qos}`);
  const clients = fanInClients(n, publishers, qos);
  const p = ctx.profile;
  const { setup, steps } = await runLoad(ctx.system, {
    clients,
    workers: workersFor(publishers),
    rates: p.fanIn.rates[qos],
    stepMs: p.stepMs,
    drainMs: p.drainMs,
    fanout: 1,
    qos,
    stopWhenUnsustainable: true,
    mustReach: p.fanIn.referenceRate[qos],
    pinned: ctx.pinned,
  });
  return {
    publishers,
    qos,
    setupErrors: setup.errors,
    steps,
    // The rate search ends at the first failure: a step sustained above it (reached for the reference) does not count.
    maxRate: sustainedMax(steps),
    reference: steps.find((s) => s.rate === p.fanIn.referenceRate[qos]),
  };
}
