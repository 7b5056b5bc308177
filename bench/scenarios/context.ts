import type { Profile } from '../run/profile';
import type { SystemUnderTest } from '../systems/types';

/** What every scenario is given: the run's settings and the system it measures now. */
export interface ScenarioContext {
  readonly runId: string;
  readonly profile: Profile;
  readonly pinned: boolean;
  readonly rep: number;
  readonly system: SystemUnderTest;
}

/** A topic root and client id prefix unique to this run, repetition and system. */
export function names(ctx: ScenarioContext, scenario: string): { topic: string; client: string } {
  const tag = `${ctx.runId}-${ctx.rep}-${ctx.system.name}-${scenario}`;
  return { topic: `bench/${ctx.runId}/${ctx.rep}/${scenario}`, client: `bench-${tag}` };
}

/** Load-generator worker processes for a number of connections. */
export function workersFor(connections: number): number {
  return connections > 200 ? 4 : 2;
}
