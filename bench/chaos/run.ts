import { randomBytes } from 'node:crypto';
import { SHARED_REDIS_URL } from '../../test/integration/replicas/replicas';
import { deleteQueues } from '../../test/integration/helpers/rabbit';
import { Fleet } from './fleet';
import { settle, type Figures } from './figures';
import { keysUnder, leftovers, sharedBroker } from './leftovers';
import { faultSchedule, type Fault } from './schedule';
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
  /** Where each replica process's output goes at the end (`<pod>-<n>.log`), when set. */
  readonly logDir?: string;
}

export const DEFAULTS: ChaosOptions = {
  durationMs: 5 * 60_000,
  periodMs: 10_000,
  replicas: 3,
  restartAfterMs: 1500,
  paceMs: 10,
  log: () => undefined,
};

export interface ChaosResult extends Figures {
  readonly options: Omit<ChaosOptions, 'log'>;
  readonly faults: readonly (Fault & { readonly startedMs: number; readonly tookMs: number })[];
  readonly willsAfter: Record<Fault['kind'], WillSummary>;
  readonly elapsedMs: number;
}

/** Resolves `ms` after `start` (epoch ms), at once if that has passed. */
export const at = (start: number, ms: number): Promise<void> =>
  new Promise((r) => setTimeout(r, Math.max(0, start + ms - Date.now())));

/**
 * Replicas on the shared Redis and RabbitMQ, traffic through them, a fault
 * every period; then everyone leaves, the replicas stop, and what is left
 * of the run in RabbitMQ and Redis is counted. Always cleans up after itself.
 */
export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const tag = `chaos-${randomBytes(4).toString('hex')}`;
  // Rebalancing is on, as by default: each restart in place is a replica joining, and clients move onto it.
  const fleet = new Fleet({ MQTT_ADAPTER_REBALANCE: 'true' });
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
    const figures = await settle(
      traffic,
      fleet,
      start,
      () => leftovers(tag, sharedBroker(fleet.amqpPorts), SHARED_REDIS_URL, fleet.set.prefix),
      redisBaseline,
    );
    return {
      ...figures,
      options: {
        durationMs: o.durationMs,
        periodMs: o.periodMs,
        replicas: o.replicas,
        restartAfterMs: o.restartAfterMs,
        paceMs: o.paceMs,
      },
      faults,
      willsAfter: { kill: traffic.wills.summary('kill'), drain: traffic.wills.summary('drain') },
      elapsedMs: Date.now() - started,
    };
  } finally {
    await traffic.leave(fleet.livePort()).catch(() => undefined);
    if (o.logDir) fleet.writeLogs(o.logDir);
    await fleet.set.cleanup();
    const queues = (await leftovers(tag, sharedBroker(new Set()), SHARED_REDIS_URL, fleet.set.prefix)).queues;
    if (queues.length > 0) await deleteQueues(queues);
  }
}
