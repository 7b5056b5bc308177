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
  /**
   * Bytes each process under test added per connection over the second half
   * of the connections: the cost of one more connection, without what a
   * process grows by once (a Node young generation, RabbitMQ's tables).
   */
  readonly perConnection: Record<string, number>;
  readonly perConnectionTotal: number;
  /** The growth from no connections to all of them, divided by the connections made. */
  readonly meanFromZero?: Record<string, number>;
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
 * 127.0.0.x, made in two halves; memory per connection is the growth of every
 * process under test over the second half divided by the connections it made.
 */
export async function idle(ctx: ScenarioContext, kind: IdleKind): Promise<IdleResult> {
  const total = Math.min(ctx.profile.idle.connections, ctx.system.maxConnections);
  const n = names(ctx, `idle-${kind}`);
  const clients = Array.from({ length: total }, (_, i) => client(n, kind, i));
  const workers = 4;
  const pool = new WorkerPool(workers, ctx.pinned);
  try {
    const half = Math.floor(clients.length / 2);
    const before = await ctx.system.memory();
    const started = Date.now();
    const first = await pool.setup(targetOf(ctx.system), deal(clients.slice(0, half), workers), 25);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const middle = await ctx.system.memory();
    const second = await pool.setup(targetOf(ctx.system), deal(clients.slice(half), workers), 25);
    const connectSeconds = (Date.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const after = await ctx.system.memory();
    // The workers count their clients cumulatively.
    const connected = second.connected;
    const added = connected - first.connected;
    const perConnection: Record<string, number> = {};
    const meanFromZero: Record<string, number> = {};
    for (const k of Object.keys(after)) {
      perConnection[k] = added > 0 ? (after[k] - (middle[k] ?? 0)) / added : 0;
      meanFromZero[k] = connected > 0 ? (after[k] - (before[k] ?? 0)) / connected : 0;
    }
    await pool.teardown(kind === 'qos1-persistent');
    return {
      kind,
      connections: total,
      connected,
      failed: first.failed + second.failed,
      errors: [...first.errors, ...second.errors],
      connectSeconds,
      perConnection,
      perConnectionTotal: Object.values(perConnection).reduce((a, b) => a + b, 0),
      meanFromZero,
    };
  } finally {
    pool.kill();
  }
}
