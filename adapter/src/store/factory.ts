import type { Logger } from 'pino';
import type { Config } from '../config/settings';
import type { Liveness } from '../ports/liveness';
import type { RetainedStore } from '../ports/retained-store';
import type { SessionStore } from '../ports/session-store';
import type { WillStore } from '../ports/will-store';
import type { ReplicaLoads } from '../ports/replica-loads';
import { MemoryLiveness } from './memory-liveness';
import { MemoryRetainedStore } from './memory-retained-store';
import { MemorySessionStore } from './memory-session-store';
import { MemoryWillStore } from './memory-will-store';
import { MemoryWillTable } from './memory-will-table';
import { instrumented, type StoreMetrics } from './instrumented';
import { openRedisStores } from './redis/redis-stores';

export interface Stores {
  readonly sessions: SessionStore;
  readonly retained: RetainedStore;
  readonly wills: WillStore;
  readonly liveness: Liveness;
  /** Replica loads for rebalancing; only where replicas share a store (Redis). */
  readonly loads?: ReplicaLoads;
  /** What is not ready, for /readyz; empty when the stores are reachable. */
  notReady(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * The stores the configuration selects, for one incarnation of this pod
 * (store/incarnation.ts): memory for one process, Redis for replicas. A Redis
 * that is away at start does not stop the adapter: it starts not ready and
 * recovers when Redis comes back.
 */
export function createStores(
  config: Config,
  incarnation: string,
  log: Logger,
  metrics?: StoreMetrics,
): Stores {
  if (config.store === 'redis') {
    let lastError = '';
    const onError = (err: Error): void => {
      metrics?.errors.inc({ operation: 'connection' });
      // ioredis repeats the same error on every reconnect attempt; log each change once.
      if (err.message !== lastError) log.warn({ err: err.message }, 'Redis error');
      lastError = err.message;
    };
    const redis = openRedisStores(config, incarnation, onError, () =>
      log.warn(
        { stallMs: config.livenessStallMs },
        'Redis refuses CLIENT LIST: a replica is taken for dead only after the liveness TTL plus the stall tolerance',
      ),
    );
    if (!metrics) return redis;
    return {
      ...redis,
      sessions: instrumented(redis.sessions, 'sessions', metrics),
      retained: instrumented(redis.retained, 'retained', metrics),
      wills: instrumented(redis.wills, 'wills', metrics),
      liveness: instrumented(redis.liveness, 'liveness', metrics),
    };
  }
  const table = new MemoryWillTable();
  const sessions = new MemorySessionStore();
  const retained = new MemoryRetainedStore();
  const wills = new MemoryWillStore(table, incarnation);
  const liveness = new MemoryLiveness(table, incarnation, config.livenessTtlMs, config.livenessStallMs);
  return {
    sessions,
    retained,
    wills,
    liveness,
    notReady: () => Promise.resolve([]),
    close: async () => {
      await sessions.close();
      await retained.close();
      await wills.close();
      await liveness.close();
    },
  };
}
