import { randomBytes } from 'node:crypto';
import { SHARED_REDIS_URL } from '../../test/integration/replicas/replicas';
import { deleteQueues } from '../../test/integration/helpers/rabbit';
import { until } from '../../test/integration/helpers/wait';
import { Fleet } from './fleet';
import { keysUnder, leftoverCount, leftovers, type Leftovers } from './leftovers';
import { faultSchedule, type Fault } from './schedule';
import type { StreamCount } from './stream-count';
import { Traffic } from './traffic';
import type { WillSummary } from './will-ledger';

export interface ChaosOptions {
  readonly durationMs: number;
  readonly periodMs: number;
  readonly replicas: number;
  /** How long a SIGKILLed replica stays down before its restart in place. */
  readonly restartAfterMs: number;
  /** Pause between the numbered messages of a stream. */
  readonly paceMs: number;
  readonly log: (line: string) => void;
}

export const DEFAULTS: ChaosOptions = {
  durationMs: 5 * 60_000,
  periodMs: 10_000,
  replicas: 3,
  restartAfterMs: 1500,
  paceMs: 10,
  log: () => undefined,
};

export interface ChaosResult {
  readonly options: Omit<ChaosOptions, 'log'>;
  readonly faults: readonly (Fault & { readonly startedMs: number; readonly tookMs: number })[];
  /** Every number a subscriber got more than once, with when it was acknowledged (ms after the traffic started, the clock of the faults). */
  readonly doubled: readonly {
    readonly qos: 1 | 2;
    readonly subscriber: number;
    readonly n: number;
    readonly ackedMs: number;
  }[];
  readonly streams: Record<1 | 2, StreamCount[]>;
  readonly wills: WillSummary;
  readonly willsAfter: Record<Fault['kind'], WillSummary>;
  readonly reconnects: ReturnType<Traffic['reconnects']>;
  readonly redisBaseline: number;
  readonly leftovers: Leftovers;
  readonly elapsedMs: number;
}

const at = (start: number, ms: number): Promise<void> =>
  new Promise((r) => setTimeout(r, Math.max(0, start + ms - Date.now())));

/**
 * Replicas on the shared Redis and RabbitMQ, traffic through them, a fault
 * every period; then everyone leaves, the replicas stop, and what is left
 * of the run in RabbitMQ and Redis is counted. Always cleans up after itself.
 */
export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const tag = `chaos-${randomBytes(4).toString('hex')}`;
  const fleet = new Fleet();
  const started = Date.now();
  const redisBaseline = (await keysUnder(SHARED_REDIS_URL, fleet.set.prefix)).filter(
    (k) => k.ttlMs < 0,
  ).length;
  const traffic = new Traffic(tag, () => fleet.livePort(), o.paceMs);
  try {
    await fleet.start(o.replicas);
    await traffic.start();
    const start = Date.now();
    const faults = [];
    for (const fault of faultSchedule(o)) {
      await at(start, fault.atMs);
      const names = await traffic.putWills(fleet.slots[fault.slot].ports.mqtt);
      await fleet.noteAmqpPorts();
      const faultAt = Date.now();
      await fleet.inject(fault, o.restartAfterMs);
      for (const name of names) traffic.wills.expect(name, faultAt, fault.kind);
      faults.push({ ...fault, startedMs: faultAt - start, tookMs: Date.now() - faultAt });
      o.log(
        `${Math.round((faultAt - start) / 1000)} s: ${fault.kind} of slot ${fault.slot}, back after ${Date.now() - faultAt} ms`,
      );
    }
    await at(start, o.durationMs);
    await traffic.stopPublishing();
    // Waits end on their own: a message or will that never comes is what the report counts.
    await until(() => traffic.streamsComplete(), 'every acknowledged message delivered', 30_000).catch(
      () => undefined,
    );
    await until(() => traffic.wills.complete(), 'every expected will', 30_000).catch(() => undefined);
    const streams = {
      1: traffic.counters[1].map((c) => c.count()),
      2: traffic.counters[2].map((c) => c.count()),
    };
    await traffic.leave(fleet.livePort());
    await fleet.stopAll();
    const left = (): Promise<Leftovers> =>
      leftovers(tag, fleet.amqpPorts, SHARED_REDIS_URL, fleet.set.prefix);
    // Queues of closed channels and swept keys go away asynchronously.
    await until(async () => leftoverCount(await left()) <= redisBaseline, 'leftovers gone', 15_000).catch(
      () => undefined,
    );
    return {
      options: {
        durationMs: o.durationMs,
        periodMs: o.periodMs,
        replicas: o.replicas,
        restartAfterMs: o.restartAfterMs,
        paceMs: o.paceMs,
      },
      faults,
      streams,
      doubled: ([1, 2] as const).flatMap((qos) =>
        streams[qos].flatMap((c, subscriber) =>
          c.doubled.map((n) => ({
            qos,
            subscriber,
            n,
            ackedMs: (traffic.ackedAt[qos].get(n) ?? start) - start,
          })),
        ),
      ),
      wills: traffic.wills.summary(),
      willsAfter: { kill: traffic.wills.summary('kill'), drain: traffic.wills.summary('drain') },
      reconnects: traffic.reconnects(),
      redisBaseline,
      leftovers: await left(),
      elapsedMs: Date.now() - started,
    };
  } finally {
    await traffic.leave(fleet.livePort()).catch(() => undefined);
    await fleet.set.cleanup();
    const queues = (await leftovers(tag, new Set(), SHARED_REDIS_URL, fleet.set.prefix)).queues;
    if (queues.length > 0) await deleteQueues(queues);
  }
}
