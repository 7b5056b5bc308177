import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Replicas } from '../../test/integration/replicas/replicas';
import { until } from '../../test/integration/helpers/wait';
import type { StreamCount } from '../chaos/stream-count';
import { rssBytes } from '../proc/memory';
import { startPrivateRabbit } from '../proc/private-rabbit';
import { RedisServer } from '../../test/integration/store/redis-server';
import type { SoakOptions } from './options';
import { warningsOf, type LogCount } from './log-summary';
import { Population, type PopulationCounts } from './population';
import { PacedPublisher } from './paced';
import { GUEST } from './slots';
import { redisKeyList, serviceState, type ServiceState } from './state';
import { NumberedStreams } from './streams';
import { PublishTemplate, type QoS } from '../wire/packets';

export interface Sample extends ServiceState {
  /** Milliseconds since the load (fill) started. */
  readonly tMs: number;
  readonly adapterRss: number;
  readonly adapterHeap: number;
  readonly rabbitRss: number;
  readonly held: number;
  readonly connectsPerS: number;
  readonly disconnectsPerS: number;
  readonly publishedPerS: number;
  readonly deliveredPerS: number;
}

export interface SoakResult {
  readonly options: Omit<SoakOptions, 'log'>;
  /** When the held connections were all open (ms after the start of the load): the warm-up ends no sooner. */
  readonly filledMs: number;
  readonly samples: Sample[];
  readonly baseline: ServiceState;
  /** After every client left, with the adapter still running. */
  readonly afterLeave: ServiceState;
  /** After the adapter stopped too. */
  readonly afterStop: ServiceState;
  /** Redis keys after the clients left that were not there before, with their PTTL (-1: no expiry). */
  readonly newKeys: { key: string; ttlMs: number }[];
  readonly streams: Record<1 | 2, StreamCount[]>;
  readonly streamPublishers: ReturnType<NumberedStreams['publisherCounts']>;
  readonly roams: number;
  readonly population: PopulationCounts & { errors: readonly string[] };
  readonly group: { sent: number; acked: number; skipped: number; reconnects: number };
  /** Warning and error lines the replicas logged (within the last few MiB of their output). */
  readonly adapterWarnings: LogCount[];
  readonly adapterExit: string;
  readonly elapsedMs: number;
}

const PUBLISHERS = 4;

/** Waits `ms`, or less if `signal` aborts. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The adapter's resident memory and V8 heap in use, summed over replicas (its /metrics). */
async function adapterMemory(set: Replicas): Promise<{ rss: number; heap: number }> {
  const live = set.list.filter((r) => r.running);
  return {
    rss: live.reduce((s, r) => s + rssBytes(r.pid), 0),
    heap: await set.metricSum('nodejs_heap_size_used_bytes'),
  };
}

const same = (a: ServiceState, b: ServiceState): boolean =>
  a.queues === b.queues &&
  a.consumers === b.consumers &&
  a.channels === b.channels &&
  a.redisKeys === b.redisKeys;

/**
 * A soak: a private RabbitMQ node and redis-server, adapter replicas on them,
 * held connections with churn, numbered streams and background publishes for
 * the duration, a sample of memory and broker state every period; then every
 * client leaves and the state is compared with the one before any client came.
 * Stops everything it started on every path.
 */
export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const started = Date.now();
  const tag = `soak-${randomBytes(3).toString('hex')}`;
  const rabbit = await startPrivateRabbit();
  const stops: (() => Promise<void>)[] = [() => rabbit.stop()];
  try {
    const redisServer = await RedisServer.start();
    stops.unshift(() => redisServer.stop());
    const redisUrl = `redis://127.0.0.1:${redisServer.port}`;
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
    redis.on('error', () => undefined);
    stops.unshift(() => Promise.resolve(redis.disconnect()));
    const set = new Replicas({ MQTT_ADAPTER_AMQP_URL: rabbit.amqpUrl }, redisUrl);
    stops.unshift(() => set.cleanup());
    await set.start(o.replicas);
    o.log(`private RabbitMQ ${rabbit.node} on ${rabbit.port}, redis ${redisUrl}, ${o.replicas} replica(s)`);
    let turn = 0;
    const at = (): { host: string; port: number } => ({
      host: '127.0.0.1',
      port: set.list[turn++ % set.list.length].ports.mqtt,
    });
    // A replica registers itself in Redis just after it listens: the baseline is taken once that is done.
    await new Promise((r) => setTimeout(r, 3000));
    const baseline = await serviceState(rabbit, redis);
    const baselineKeys = new Set((await redisKeyList(redis)).map((k) => k.key));
    const population = new Population(tag, o.connections, at());
    const streams = new NumberedStreams(tag, at(), o.streamPerSecond);
    const specs = population.specs;
    const templates = new Map<number, PublishTemplate>();
    const template = (slot: number, qos: QoS): PublishTemplate => {
      const key = slot * 3 + qos;
      let t = templates.get(key);
      if (!t) templates.set(key, (t = new PublishTemplate(specs[slot].topic, qos, 64)));
      return t;
    };
    const groupRate = (o.publishPerSecond - o.streamPerSecond[1] - o.streamPerSecond[2]) / PUBLISHERS;
    const group = Array.from(
      { length: PUBLISHERS },
      (_, i) =>
        new PacedPublisher(
          at(),
          { clientId: `${tag}-gpub${i}`, clean: true, keepalive: 0, ...GUEST },
          groupRate,
          (seq) => ({ template: template(Math.floor(Math.random() * specs.length), (seq % 3) as QoS) }),
        ),
    );
    const loadStart = Date.now();
    await population.fill(o.fillPerSecond);
    const filledMs = Date.now() - loadStart;
    o.log(`${population.held()} connections open after ${Math.round(filledMs / 1000)} s`);
    await streams.start();
    for (const p of group) await p.start();
    population.startChurn(o.churnPerSecond);

    const samples: Sample[] = [];
    const sent = (): number => group.reduce((s, p) => s + p.sent, 0) + streams.publisherCounts().sent;
    let prev = { at: Date.now(), pop: population.snapshot(), sent: sent() };
    const end = loadStart + Math.max(o.durationMs, filledMs + 3 * o.sampleMs);
    // On a fixed cadence: a slow rabbitmqctl delays one sample, not all that follow.
    for (let next = prev.at + o.sampleMs; next <= end && !o.stop?.aborted;) {
      await pause(next - Date.now(), o.stop);
      if (o.stop?.aborted) break;
      while (next <= Date.now()) next += o.sampleMs;
      const now = Date.now();
      const pop = population.snapshot();
      const sentNow = sent();
      const [state, mem] = await Promise.all([serviceState(rabbit, redis), adapterMemory(set)]);
      const secs = (now - prev.at) / 1000;
      const s: Sample = {
        tMs: now - loadStart,
        ...state,
        adapterRss: mem.rss,
        adapterHeap: mem.heap,
        rabbitRss: rssBytes(rabbit.pid),
        held: population.held(),
        connectsPerS: (pop.connects - prev.pop.connects) / secs,
        disconnectsPerS: (pop.disconnects + pop.drops - prev.pop.disconnects - prev.pop.drops) / secs,
        publishedPerS: (sentNow - prev.sent) / secs,
        // The population's deliveries; the numbered streams' subscribers are four clients among thousands.
        deliveredPerS: (pop.delivered - prev.pop.delivered) / secs,
      };
      prev = { at: now, pop, sent: sentNow };
      samples.push(s);
      o.log(
        `${Math.round(s.tMs / 1000)} s: held ${s.held}, rss ${(s.adapterRss / 2 ** 20).toFixed(0)} MiB, ` +
          `heap ${(s.adapterHeap / 2 ** 20).toFixed(0)} MiB, queues ${s.queues}, consumers ${s.consumers}, ` +
          `channels ${s.channels}, redis keys ${s.redisKeys}, ${s.publishedPerS.toFixed(0)} pub/s, ` +
          `${s.deliveredPerS.toFixed(0)} deliveries/s, ${s.connectsPerS.toFixed(0)} connects/s`,
      );
    }

    population.stopChurn();
    for (const p of group) p.stop();
    await streams.stopPublishing();
    await until(() => streams.complete(), 'every acknowledged number delivered', 30_000).catch(
      () => undefined,
    );
    const counts = streams.counts();
    const groupCounts = {
      sent: group.reduce((s, p) => s + p.sent, 0),
      acked: group.reduce((s, p) => s + p.acked, 0),
      skipped: group.reduce((s, p) => s + p.skipped, 0),
      reconnects: group.reduce((s, p) => s + p.reconnects, 0),
    };
    await Promise.all(group.map((p) => p.close()));
    await streams.leave();
    await population.leave();
    let afterLeave = await serviceState(rabbit, redis);
    // Queues of closed channels and swept keys go away asynchronously.
    await until(
      async () => same((afterLeave = await serviceState(rabbit, redis)), baseline),
      'back to the baseline',
      60_000,
    ).catch(() => undefined);
    const newKeys = (await redisKeyList(redis)).filter((k) => !baselineKeys.has(k.key));
    const exits = await Promise.all(set.list.map((r) => r.stop()));
    // Only the tail of a replica's output is kept; the counts are of what is left of it.
    const warnings = warningsOf(set.list.map((r) => r.output()).join('\n'));
    const afterStop = await serviceState(rabbit, redis);
    const { log, stop, ...options } = o;
    log(stop?.aborted ? 'stopped early' : 'done');
    return {
      options,
      filledMs,
      samples,
      baseline,
      afterLeave,
      afterStop,
      newKeys,
      streams: counts,
      streamPublishers: streams.publisherCounts(),
      roams: streams.roams,
      population: population.snapshot(),
      group: groupCounts,
      adapterWarnings: warnings,
      adapterExit: exits.map((e) => e.code ?? e.signal).join(', '),
      elapsedMs: Date.now() - started,
    };
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
  }
}
