import { randomBytes } from 'node:crypto';
import { Backends } from './backends';
import { settle, type Figures } from './figures';
import { Fleet } from './fleet';
import { leftovers } from './leftovers';
import { at } from './run';
import { everyPeriod } from './schedule';
import { Traffic } from './traffic';
import type { WillSummary } from './will-ledger';

export interface BackendOptions {
  readonly durationMs: number;
  /** A RabbitMQ node's VM is SIGKILLed every this many ms (the nodes in turn). */
  readonly rabbitPeriodMs: number;
  /** How long a killed node stays dead before its restart. */
  readonly rabbitDownMs: number;
  /** The Redis master is SIGKILLed every this many ms, the first time at `redisFirstMs`. */
  readonly redisPeriodMs: number;
  readonly redisFirstMs: number;
  /** Sentinel down-after (ms). */
  readonly detectMs: number;
  readonly replicas: number;
  readonly paceMs: number;
  /** When set, each replica's log is written there. */
  readonly logDir?: string;
  readonly log: (line: string) => void;
}

export const BACKEND_DEFAULTS: BackendOptions = {
  durationMs: 5 * 60_000,
  rabbitPeriodMs: 30_000,
  rabbitDownMs: 2000,
  redisPeriodMs: 60_000,
  // Halfway between two node kills, so the two faults' effects can be told apart.
  redisFirstMs: 45_000,
  detectMs: 1000,
  replicas: 3,
  paceMs: 10,
  log: () => undefined,
};

export type BackendKind = 'rabbit' | 'redis';

/** A backend fault as it was done (or not: `error`). Times are ms after the traffic started. */
export interface BackendFault {
  readonly kind: BackendKind;
  readonly dueMs: number;
  readonly startedMs: number;
  /** Until the node ran again / the old master was a replica in sync again. */
  readonly tookMs: number;
  readonly target: string;
  readonly detail: string;
  /** Reconnects of the persistent clients while the fault lasted. */
  readonly reconnects: number;
  readonly error?: string;
}

export interface BackendResult extends Figures {
  readonly options: Omit<BackendOptions, 'log'>;
  readonly faults: readonly BackendFault[];
  readonly willsAfter: Record<BackendKind, WillSummary>;
  /** Starting the cluster, the Sentinel set and the replicas. */
  readonly startupMs: number;
  readonly elapsedMs: number;
}

/**
 * Replicas on a private 3-node RabbitMQ cluster (quorum queues) and a private
 * Redis Sentinel set, the traffic of phase 1 through them; a RabbitMQ node is
 * SIGKILLed and restarted every period, and the Redis master SIGKILLed (its
 * replica promoted, itself restarted as a replica) every other period. The
 * replicas themselves are left alone. Always stops what it started.
 */
export async function runBackendChaos(o: BackendOptions): Promise<BackendResult> {
  const { log, ...options } = o;
  const started = Date.now();
  const tag = `chaos2-${randomBytes(4).toString('hex')}`;
  const backends = await Backends.start(o.detectMs);
  const fleet = new Fleet({}, (slot) => backends.replicaEnv(slot));
  const traffic = new Traffic(tag, () => fleet.livePort(), o.paceMs);
  try {
    await fleet.start(o.replicas);
    await traffic.start();
    const start = Date.now();
    const startupMs = start - started;
    log(`${Math.round(startupMs / 1000)} s: cluster, Sentinel set, replicas and clients up`);

    /** Runs one kind of fault at its times; two clients with wills lose their connection as each starts. */
    const loop = async (
      kind: BackendKind,
      times: number[],
      act: (n: number) => Promise<{ target: string; detail: string }>,
    ): Promise<BackendFault[]> => {
      const done: BackendFault[] = [];
      for (const [n, dueMs] of times.entries()) {
        await at(start, dueMs);
        const names = await traffic.putWills(fleet.livePort()).catch(() => []);
        const before = traffic.reconnects().total;
        const t = Date.now();
        traffic.cutWills(names);
        for (const name of names) traffic.wills.expect(name, t, kind);
        const fault = await act(n).then(
          (r) => ({ ...r, error: undefined }),
          (err: unknown) => ({ target: '', detail: '', error: (err as Error).message }),
        );
        const f = { kind, dueMs, startedMs: t - start, tookMs: Date.now() - t, ...fault };
        done.push({ ...f, reconnects: traffic.reconnects().total - before });
        log(
          `${Math.round(f.startedMs / 1000)} s: ${kind} ${f.target} ${f.detail}, ${f.tookMs} ms ${f.error ?? ''}`,
        );
        // A node that did not come back must not be followed by a second death: the majority would go.
        if (f.error !== undefined) break;
      }
      return done;
    };
    const rabbit = loop('rabbit', everyPeriod(o.durationMs, o.rabbitPeriodMs), async (n) => {
      const i = n % backends.rabbit.nodes.length;
      await backends.killRabbit(i, o.rabbitDownMs);
      return { target: backends.rabbit.nodes[i].name, detail: `dead ${o.rabbitDownMs} ms, then restarted` };
    });
    const redis = loop('redis', everyPeriod(o.durationMs, o.redisPeriodMs, o.redisFirstMs), async () => {
      const r = await backends.failRedis();
      return {
        target: `master :${r.from} -> :${r.to}`,
        detail: `promoted after ${r.promotedMs} ms, old master a replica in sync after ${r.resyncedMs} ms`,
      };
    });
    const faults = [...(await rabbit), ...(await redis)].sort((a, b) => a.startedMs - b.startedMs);
    await at(start, o.durationMs);
    const figures = await settle(
      traffic,
      fleet,
      start,
      async () => leftovers(tag, backends.broker(), await backends.masterUrl(), fleet.set.prefix),
      0,
    );
    return {
      ...figures,
      options,
      faults,
      willsAfter: { rabbit: traffic.wills.summary('rabbit'), redis: traffic.wills.summary('redis') },
      startupMs,
      elapsedMs: Date.now() - started,
    };
  } finally {
    await traffic.leave(fleet.livePort()).catch(() => undefined);
    if (o.logDir) fleet.writeLogs(o.logDir);
    await fleet.set.cleanup();
    await backends.stop();
  }
}
