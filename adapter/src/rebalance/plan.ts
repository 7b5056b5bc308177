import type { ReplicaLoad } from '../ports/replica-loads';

export interface Share {
  /** Sessions over all replicas, this one counted at `mine`. */
  readonly total: number;
  readonly replicas: number;
  /** What this replica should hold: the average, rounded up so that the shares cover the total. */
  readonly target: number;
  /** Above the average by more than the tolerance: a round should start. */
  readonly over: boolean;
}

/**
 * This replica's share of the sessions, from the published loads with its own
 * live count in place of its published one. `atLeastTotal` keeps the total of
 * a round's start while its hand-offs are on their way: clients closed here
 * are in no replica's count until they reconnect and that replica publishes
 * again, and counting them as gone would lower the target and shed too many.
 */
export function shareOf(
  loads: readonly ReplicaLoad[],
  me: string,
  mine: number,
  tolerance: number,
  atLeastTotal = 0,
): Share {
  const others = loads.filter((l) => l.incarnation !== me);
  const replicas = others.length + 1;
  const total = Math.max(
    atLeastTotal,
    others.reduce((sum, l) => sum + l.sessions, mine),
  );
  const average = total / replicas;
  const target = Math.ceil(average);
  return { total, replicas, target, over: mine > target && mine > average * (1 + tolerance) };
}
