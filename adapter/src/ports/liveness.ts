import type { OrphanWill } from './will-store';

/**
 * Which replicas are alive, and the hand-over of the connections of those
 * that died without a goodbye (SIGKILL, node loss). Each pod refreshes its
 * liveness more often than the TTL; the sweeper on every pod calls
 * claimDeadPods and publishes what it returns.
 */
export interface Liveness {
  /** Marks this pod alive for the liveness TTL. */
  refresh(): Promise<void>;
  /**
   * For every pod whose liveness expired: releases the client ids it owned
   * (fencing their epochs, so a pod that was only paused cannot write again)
   * and settles their wills. Wills without a delay are returned, each to
   * exactly one caller across all pods; delayed wills are scheduled and come
   * out of WillStore.claimDue when due.
   */
  claimDeadPods(): Promise<OrphanWill[]>;
  /** On graceful shutdown, after every connection was released: forget this pod. */
  stop(): Promise<void>;
  close(): Promise<void>;
}
