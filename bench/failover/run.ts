import { randomBytes } from 'node:crypto';
import { deleteQueues } from '../../test/integration/helpers/rabbit';
import { delay, until } from '../../test/integration/helpers/wait';
import { leaveAll } from '../../test/integration/replicas/replicas';
import { Fleet } from '../chaos/fleet';
import { leftoverCount, leftovers, sharedBroker, type Leftovers } from '../chaos/leftovers';
import type { StreamCount } from '../chaos/stream-count';
import { Traffic } from '../chaos/traffic';
import type { WillSummary } from '../chaos/will-ledger';
import { ConnectProber } from './prober';
import { refusalWindow, type RefusalWindow } from './refusal';
import { startFailoverRedis, type Mode } from './topology';
import { WillClients } from './will-clients';

export interface FailoverOptions {
  readonly mode: Mode;
  readonly replicas: number;
  /** Sentinel down-after / Cluster node timeout (ms). */
  readonly detectMs: number;
  /** Load before the master is killed. */
  readonly warmupMs: number;
  /** Load after new CONNECTs are accepted again: long enough for sweeps after the outage and a fence pass. */
  readonly observeMs: number;
  /** Clients with wills that stay connected throughout. */
  readonly liveWills: number;
  /** Clients with wills killed in each phase (before the failover, during it, after it). */
  readonly killedPerPhase: number;
  /** One new CONNECT every this many ms. */
  readonly connectEveryMs: number;
  /** Pause between two numbered messages of a stream. */
  readonly paceMs: number;
  /** When set, each replica's log is written there (`<pod>-<n>.log`). */
  readonly logDir?: string;
  readonly log: (line: string) => void;
}

export const FAILOVER_DEFAULTS: Omit<FailoverOptions, 'mode'> = {
  replicas: 3,
  detectMs: 1000,
  warmupMs: 10_000,
  observeMs: 20_000,
  liveWills: 30,
  killedPerPhase: 4,
  connectEveryMs: 100,
  paceMs: 20,
  log: () => undefined,
};

export const PHASES = ['before', 'during', 'after'] as const;
export type Phase = (typeof PHASES)[number];

export interface FailoverResult {
  readonly options: Omit<FailoverOptions, 'log'>;
  /** SIGKILL of the master to another server named master. */
  readonly promotedMs: number;
  readonly refusals: RefusalWindow;
  readonly streams: Record<1 | 2, StreamCount[]>;
  readonly wills: WillSummary;
  readonly willsAfter: Record<Phase, WillSummary>;
  /** Live clients with wills that the adapter disconnected. */
  readonly liveDisconnected: string[];
  /** Reconnects of the persistent clients that were not provoked (drop()). */
  readonly roamerUnprovoked: number;
  /** Which persistent clients reconnected unprovoked, and how often. */
  readonly unprovokedBy: Record<string, number>;
  /** Provoked resumes of persistent sessions: how many, how many without session present, and their gaps. */
  readonly resumes: { readonly total: number; readonly withoutSession: number; readonly gapMs: number[] };
  /** Counters summed over the replicas at the end. */
  readonly metrics: Record<string, number>;
  readonly leftovers: Leftovers;
  readonly elapsedMs: number;
}

const METRICS: [string, string, Record<string, string>][] = [
  ['takeovers', 'mqtt_adapter_takeovers_total', {}],
  ['fenced', 'mqtt_adapter_fenced_total', {}],
  ['wills published (connection)', 'mqtt_adapter_wills_published_total', { source: 'connection' }],
  ['wills published (sweep)', 'mqtt_adapter_wills_published_total', { source: 'sweep' }],
  ['wills published (delay)', 'mqtt_adapter_wills_published_total', { source: 'delay' }],
  ['wills failed', 'mqtt_adapter_wills_failed_total', {}],
  ['sessions resumed', 'mqtt_adapter_sessions_resumed_total', {}],
];

/**
 * Replicas on a private Redis that fails over (Sentinel or Cluster) and on
 * the shared RabbitMQ, under load: numbered streams, persistent subscribers,
 * new CONNECTs at a steady rate, clients with wills alive and killed. The
 * master is SIGKILLed once; then everyone leaves and what is left is counted.
 * The caller holds the lock on the shared RabbitMQ.
 */
export async function runFailover(o: FailoverOptions): Promise<FailoverResult> {
  const { log, ...options } = o;
  const started = Date.now();
  const tag = `failover-${randomBytes(4).toString('hex')}`;
  const redis = await startFailoverRedis(o.mode, { detectMs: o.detectMs });
  const fleet = new Fleet(redis.env);
  const traffic = new Traffic(tag, () => fleet.livePort(), o.paceMs);
  const prober = new ConnectProber(() => fleet.livePort());
  const names = (what: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${what}${i}`);
  let live: WillClients | undefined;
  let doomed: WillClients | undefined;
  /** Set once the leftovers were counted, none of them queues. */
  let completed = false;
  try {
    await fleet.start(o.replicas);
    await traffic.start();
    live = await WillClients.connect(tag, traffic.willRoot, names('live', o.liveWills), () =>
      fleet.livePort(),
    );
    const doomedNames = Object.fromEntries(PHASES.map((p) => [p, names(`${p}-`, o.killedPerPhase)]));
    doomed = await WillClients.connect(tag, traffic.willRoot, Object.values(doomedNames).flat(), () =>
      fleet.livePort(),
    );
    const killDoomed = (phase: Phase): void => {
      doomed?.kill(doomedNames[phase]);
      for (const name of doomedNames[phase]) traffic.wills.expect(name, Date.now(), phase);
    };
    log(`${Math.round((Date.now() - started) / 1000)} s: replicas and clients up`);
    prober.start(o.connectEveryMs);
    await delay(o.warmupMs);
    killDoomed('before');
    await delay(1000);

    const [subV4, subV5] = traffic.roamers.filter((r) => r.options.clientId.includes('-sub-'));
    // In a Cluster, the master serving the first subscriber's keys, so its resume crosses the failover.
    const key = `${fleet.set.prefix}client:{${subV4.options.clientId}}:owner`;
    const victim = await redis.master(key);
    const failAt = Date.now();
    await victim.crash();
    log(`${Math.round((failAt - started) / 1000)} s: SIGKILL of the Redis master`);
    const promoted = redis.promotedOver(victim, key).then(() => Date.now() - failAt);
    await delay(300);
    killDoomed('during');
    subV4.drop();
    const promotedMs = await promoted;
    log(`replica promoted after ${promotedMs} ms`);
    await until(
      () => {
        const w = refusalWindow(prober.samples, failAt);
        return w.firstRefusedMs === undefined
          ? Date.now() - failAt > 10_000
          : w.acceptedAgainMs !== undefined;
      },
      'new CONNECTs accepted again',
      60_000,
    ).catch(() => undefined);
    await delay(2000);
    killDoomed('after');
    subV5.drop();
    await delay(o.observeMs);
    await prober.stop();
    const refusals = refusalWindow(prober.samples, failAt);
    log(
      `CONNECTs refused for ${refusals.windowMs} ms (${refusals.refused} refused, ${refusals.failed} failed)`,
    );

    await traffic.stopPublishing();
    // Waits end on their own: a message or will that never comes is what the report counts.
    await until(() => traffic.streamsComplete(), 'every acknowledged message delivered', 30_000).catch(
      () => undefined,
    );
    await until(() => traffic.wills.complete(), 'every expected will', 30_000).catch(() => undefined);
    // A will that comes twice comes soon after the first.
    await delay(2000);
    const metrics: Record<string, number> = {};
    for (const [label, name, labels] of METRICS) metrics[label] = await fleet.set.metricSum(name, labels);
    const streams = {
      1: traffic.counters[1].map((c) => c.count()),
      2: traffic.counters[2].map((c) => c.count()),
    };
    const subs = [subV4, subV5];
    const liveDisconnected = [...live.disconnected];
    const unprovokedBy = Object.fromEntries(
      traffic.roamers
        .filter((r) => r.reconnects > r.dropped)
        .map((r) => [r.options.clientId.slice(tag.length + 1), r.reconnects - r.dropped]),
    );

    log(`${Math.round((Date.now() - started) / 1000)} s: load done, everyone leaves`);
    await live.leave();
    await doomed.leave();
    await traffic.leave(fleet.livePort());
    await leaveAll();
    await fleet.stopAll();
    log(`${Math.round((Date.now() - started) / 1000)} s: replicas stopped`);
    if (o.logDir) fleet.writeLogs(o.logDir);
    const left = async (): Promise<Leftovers> =>
      leftovers(tag, sharedBroker(fleet.amqpPorts), await redis.masterUrls(), fleet.set.prefix);
    // Each look runs rabbitmqctl, seconds on a busy machine: the last one is the figure.
    let last = await left();
    if (leftoverCount(last) > 0)
      await until(async () => leftoverCount((last = await left())) === 0, 'leftovers gone', 15_000).catch(
        () => undefined,
      );
    completed = last.queues.length === 0;
    return {
      options,
      promotedMs,
      refusals,
      streams,
      wills: traffic.wills.summary(),
      willsAfter: {
        before: traffic.wills.summary('before'),
        during: traffic.wills.summary('during'),
        after: traffic.wills.summary('after'),
      },
      liveDisconnected,
      roamerUnprovoked: Object.values(unprovokedBy).reduce((a, b) => a + b, 0),
      unprovokedBy,
      resumes: {
        total: subs.reduce((s, r) => s + r.reconnects, 0),
        withoutSession: subs.reduce((s, r) => s + r.withoutSession, 0),
        gapMs: subs.flatMap((r) => r.gapsMs),
      },
      metrics,
      leftovers: last,
      elapsedMs: Date.now() - started,
    };
  } finally {
    await prober.stop();
    await live?.leave().catch(() => undefined);
    await doomed?.leave().catch(() => undefined);
    await traffic.leave(fleet.livePort()).catch(() => undefined);
    await leaveAll();
    await fleet.set.cleanup();
    await redis.stop();
    if (!completed) {
      const queues = (await leftovers(tag, sharedBroker(new Set()), [], fleet.set.prefix)).queues;
      if (queues.length > 0) await deleteQueues(queues);
    }
  }
}
