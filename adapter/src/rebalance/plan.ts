import type { ReplicaLoad } from '../ports/replica-loads';

export interface Share {
  /** Sessions over all replicas, this one counted at `mine`. */
  readonly total: number;
  readonly replicas: number;
  /** What this replica should hold: the average, rounded up so that the shares cover the total. */
  readonly target: number;
  /** Above the average by more than the tolerance: a round should start. */
  readonly over: boolean;
  /**
   * Some replica, this one included, is off the average by more than the
   * tolerance either way (whole sessions: the bounds are rounded outwards, so
   * a total that does not divide evenly is no reason to go on).
   */
  readonly uneven: boolean;
  /** The largest distance of a replica from the average, in sessions: what a rebalance brings down. */
  readonly farthest: number;
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
  const high = Math.ceil(average * (1 + tolerance));
  const low = Math.floor(average * (1 - tolerance));
  const counts = [mine, ...others.map((l) => l.sessions)];
  return {
    total,
    replicas,
    target,
    over: mine > target && mine > average * (1 + tolerance),
    uneven: counts.some((n) => n > high || n < low),
    farthest: Math.max(...counts.map((n) => Math.abs(n - average))),
  };
}

/**
 * Whether a round should start here: above the average by more than the
 * tolerance, or above the average at all while another replica is below it
 * by more than the tolerance. Only replicas over the tolerance shedding would
 * leave one that the load balancer happened to give fewer of the returning
 * clients short for good; every replica above the average shedding to it
 * leaves the clients nowhere else to land.
 */
export function shouldShed(share: Share, mine: number): boolean {
  return share.over || (share.uneven && mine > share.target);
}
