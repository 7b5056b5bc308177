import { runLoad } from '../run/load';
import type { StepResult } from '../run/step-result';
import type { ClientSpec } from '../worker/protocol';
import { names, workersFor, type ScenarioContext } from './context';

export interface FanOutResult {
  readonly subscribers: number;
  readonly setupErrors: string[];
  readonly steps: StepResult[];
  /** Highest sustained publish rate, and the deliveries per second it made. */
  readonly maxRate: number;
  readonly maxDeliveries: number;
}

/** One publisher, every message to all subscribers of one topic, at QoS 0. */
export async function fanOut(ctx: ScenarioContext): Promise<FanOutResult> {
  const { subscribers, rates } = ctx.profile.fanOut;
  const n = names(ctx, 'fanout');
  const topic = `${n.topic}/t`;
  const clients: ClientSpec[] = [
    { role: 'pub', index: 0, clientId: `${n.client}-pub`, topic, qos: 0, clean: true },
  ];
  for (let i = 0; i < subscribers; i++) {
    clients.push({ role: 'sub', index: i, clientId: `${n.client}-sub${i}`, topic, qos: 0, clean: true });
  }
  const { setup, steps } = await runLoad(ctx.system, {
    clients,
    workers: workersFor(subscribers),
    rates,
    stepMs: ctx.profile.stepMs,
    drainMs: ctx.profile.drainMs,
    fanout: subscribers,
    qos: 0,
    stopWhenUnsustainable: true,
    pinned: ctx.pinned,
  });
  const best = steps.filter((s) => s.sustainable).sort((a, b) => b.rate - a.rate)[0];
  return {
    subscribers,
    setupErrors: setup.errors,
    steps,
    maxRate: best?.rate ?? 0,
    maxDeliveries: best?.throughput ?? 0,
  };
}
