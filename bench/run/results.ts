import type { CrosscheckResult } from '../scenarios/crosscheck';
import type { FanInResult } from '../scenarios/fan-in';
import type { FanOutResult } from '../scenarios/fan-out';
import type { IdleResult } from '../scenarios/idle';
import type { OffloadResult } from '../scenarios/offload';
import type { OneToOneResult } from '../scenarios/one-to-one';
import type { ResumeResult } from '../scenarios/resume';
import type { SubscribeResult } from '../scenarios/subscribe';
import type { SystemName } from '../systems/types';

/** Per variant (say `100 publishers, QoS 0`), per system, one result per repetition. */
export type Table<T> = Record<string, Partial<Record<SystemName, T[]>>>;

/** The tables of every scenario, one per scenario; a run starts with them empty. */
export interface ScenarioTables {
  readonly fanIn: Table<FanInResult>;
  readonly oneToOne: Table<OneToOneResult>;
  /** 1:1 in the offload layout: RabbitMQ alone on one core. */
  readonly oneToOneOffload: Table<OneToOneResult>;
  readonly fanOut: Table<FanOutResult>;
  readonly idle: Table<IdleResult>;
  readonly resume: Table<ResumeResult>;
  readonly crosscheck: Table<CrosscheckResult>;
  readonly subscribe: Table<SubscribeResult>;
  readonly offload: Table<OffloadResult>;
}

export function emptyTables(): ScenarioTables {
  return {
    fanIn: {},
    oneToOne: {},
    oneToOneOffload: {},
    fanOut: {},
    idle: {},
    resume: {},
    crosscheck: {},
    subscribe: {},
    offload: {},
  };
}

export interface RunResults extends ScenarioTables {
  readonly runId: string;
  readonly profile: string;
  readonly command: string;
  readonly started: string;
  finished: string;
  readonly commit: string;
  readonly pinned: boolean;
  readonly systems: SystemName[];
  /** /proc/loadavg sampled through the run. */
  readonly load: { at: string; loadavg: string }[];
  readonly notes: string[];
}

export function record<T>(table: Table<T>, variant: string, system: SystemName, value: T): void {
  const row = (table[variant] ??= {});
  (row[system] ??= []).push(value);
}

export function median(xs: readonly number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
