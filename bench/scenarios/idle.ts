import type { IdleKind } from '../run/profile';
import { targetOf } from '../run/load';
import { WorkerPool, deal } from '../run/worker-pool';
import type { ClientSpec } from '../worker/protocol';
import { names, type ScenarioContext } from './context';

export interface IdleResult {
  readonly kind: IdleKind;
  readonly connections: number;
  readonly connected: number;
  readonly failed: number;
  readonly errors: string[];
  readonly connectSeconds: number;
  /** Bytes per connection added to each process under test. */
  readonly perConnection: Record<string, number>;
  readonly perConnectionTotal: number;
}

const SETTLE_MS = 3000;

function client(n: { topic: string; client: string }, kind: IdleKind, i: number): ClientSpec {
  return {
    role: 'idle',
    index: i,
    clientId: `${n.client}-${i}`,
    topic: `${n.topic}/${i}`,
    qos: kind === 'qos1-persistent' ? 1 : 0,
    clean: kind !== 'qos1-persistent',
    subscribe: kind !== 'plain',
  };
}

/**
 * Many idle connections of one kind, from source addresses spread over
 * 127.0.0.x; memory per connection is the growth of every process under test
 * divided by the connections made.
 */
export async function idle(ctx: ScenarioContext, kind: IdleKind): Promise<IdleResult> {
  const total = Math.min(ctx.profile.idle.connections, ctx.system.maxConnections);
  const n = names(ctx, `idle-${kind}`);
  const clients = Array.from({ length: total }, (_, i) => client(n, kind, i));
  const workers = 4;
  const pool = new WorkerPool(workers, ctx.pinned);
  try {
    const before = await ctx.system.memory();
    const started = Date.now();
    const setup = await pool.setup(targetOf(ctx.system), deal(clients, workers), 25);
    const connectSeconds = (Date.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const after = await ctx.system.memory();
    const perConnection: Record<string, number> = {};
    for (const k of Object.keys(after)) {
      perConnection[k] = setup.connected > 0 ? (after[k] - (before[k] ?? 0)) / setup.connected : 0;
    }
    await pool.teardown(kind === 'qos1-persistent');
    return {
      kind,
      connections: total,
      connected: setup.connected,
      failed: setup.failed,
      errors: setup.errors,
      connectSeconds,
      perConnection,
      perConnectionTotal: Object.values(perConnection).reduce((a, b) => a + b, 0),
    };
  } finally {
    pool.kill();
  }
}
