/** A fault the chaos run injects into one replica slot. */
export interface Fault {
  /** Milliseconds after the start of the run. */
  readonly atMs: number;
  /**
   * `kill`: SIGKILL, then a new process under the same pod name after the
   * restart delay (a container restarted in place). `drain`: SIGTERM, then
   * the same restart once it has exited.
   */
  readonly kind: 'kill' | 'drain';
  /** Index of the replica slot hit. */
  readonly slot: number;
}

export interface ScheduleOptions {
  readonly durationMs: number;
  readonly periodMs: number;
  readonly replicas: number;
}

/**
 * One fault every `periodMs` within `durationMs`, kills and drains
 * alternating, each on the next slot in turn, so every replica takes both
 * kinds over a long enough run.
 */
export function faultSchedule({ durationMs, periodMs, replicas }: ScheduleOptions): Fault[] {
  if (periodMs <= 0 || replicas <= 0) throw new Error('period and replicas must be positive');
  const faults: Fault[] = [];
  for (let i = 0, at = periodMs; at <= durationMs; i++, at += periodMs)
    faults.push({ atMs: at, kind: i % 2 === 0 ? 'kill' : 'drain', slot: i % replicas });
  return faults;
}

/** `firstMs`, then every `periodMs` after it, up to `durationMs`: when one kind of backend fault is due. */
export function everyPeriod(durationMs: number, periodMs: number, firstMs = periodMs): number[] {
  if (periodMs <= 0) throw new Error('period must be positive');
  const times: number[] = [];
  for (let at = firstMs; at <= durationMs; at += periodMs) times.push(at);
  return times;
}
