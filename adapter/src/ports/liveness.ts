import type { OrphanWill } from './will-store';

/**
 * Which incarnations a sweep considers: every other one, or only the earlier
 * incarnations of this process's own pod name (judged by their connections
 * alone, so they need not wait for the settling that follows a store outage).
 */
export type SweepScope = 'all' | 'predecessors';

/**
 * Which replicas are alive, and the hand-over of the connections of those
 * that died without a goodbye (SIGKILL, node loss). Liveness belongs to an
 * incarnation (pod name and start id, see store/incarnation.ts), so a process
 * restarted under the same pod name never revives its predecessor. Each
 * incarnation refreshes its liveness more often than the TTL; the sweeper on
 * every pod calls claimDeadPods and publishes what it returns.
 *
 * Dead means: no refresh for the TTL and no connection to the store left (a
 * crashed process's connections are closed by its kernel at once), or no
 * refresh for the TTL plus the stall tolerance (a process that is stalled,
 * or a node lost without closing its connections). An earlier incarnation of
 * the caller's own pod is dead as soon as its connections are gone.
 */
export interface Liveness {
  /** Marks this incarnation alive for the liveness TTL (and the stall tolerance after it). */
  refresh(): Promise<void>;
  /**
   * For every incarnation in scope that is dead: releases the client ids it owned
   * (fencing their epochs, so a pod that was only paused cannot write again)
   * and settles their wills. Wills without a delay are returned, each to
   * exactly one caller across all pods; delayed wills are scheduled and come
   * out of WillStore.claimDue when due.
   */
  claimDeadPods(scope?: SweepScope): Promise<OrphanWill[]>;
  /** On graceful shutdown, after every connection was released: forget this incarnation. */
  stop(): Promise<void>;
  close(): Promise<void>;
}
