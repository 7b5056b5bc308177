import { until } from '../../test/integration/helpers/wait';
import type { Fleet } from './fleet';
import { leftoverCount, type Leftovers } from './leftovers';
import type { StreamCount } from './stream-count';
import type { Traffic } from './traffic';
import type { WillSummary } from './will-ledger';

/** Every number a subscriber got more than once, with when it was acknowledged (ms after the traffic started, the clock of the faults). */
export interface Doubled {
  readonly qos: 1 | 2;
  readonly subscriber: number;
  readonly n: number;
  readonly ackedMs: number;
  /** Each arrival: ms after the traffic started, packet id and DUP. */
  readonly arrivals: readonly {
    readonly ms: number;
    readonly id: number | undefined;
    readonly dup: boolean;
  }[];
}

/** What every chaos phase counts, whatever its faults. */
export interface Figures {
  readonly streams: Record<1 | 2, StreamCount[]>;
  readonly doubled: readonly Doubled[];
  readonly wills: WillSummary;
  readonly reconnects: ReturnType<Traffic['reconnects']>;
  readonly redisBaseline: number;
  readonly leftovers: Leftovers;
}

/**
 * The end of a phase: publishing stops, what is due gets its time to arrive,
 * everyone leaves, the replicas drain, and what is left is counted once it
 * had the time to go away. `start` is when the traffic started.
 */
export async function settle(
  traffic: Traffic,
  fleet: Fleet,
  start: number,
  left: () => Promise<Leftovers>,
  redisBaseline: number,
): Promise<Figures> {
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
  // Queues of closed channels and swept keys go away asynchronously: the last look is the figure.
  await until(async () => leftoverCount(await left()) <= redisBaseline, 'leftovers gone', 15_000).catch(
    () => undefined,
  );
  const last = await left();
  return {
    streams,
    doubled: ([1, 2] as const).flatMap((qos) =>
      streams[qos].flatMap((c, subscriber) =>
        c.doubled.map((n) => ({
          qos,
          subscriber,
          n,
          ackedMs: (traffic.ackedAt[qos].get(n) ?? start) - start,
          arrivals: traffic.arrivalsOf(qos, subscriber, n).map((a) => ({ ...a, ms: a.at - start })),
        })),
      ),
    ),
    wills: traffic.wills.summary(),
    reconnects: traffic.reconnects(),
    redisBaseline,
    leftovers: last,
  };
}
