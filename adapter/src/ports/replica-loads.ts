/** One replica's published number of sessions. */
export interface ReplicaLoad {
  /** The replica's incarnation (store/incarnation.ts). */
  readonly incarnation: string;
  readonly sessions: number;
}

/**
 * What replicas tell each other for rebalancing: each one's number of
 * sessions, refreshed more often than it expires, and a standing request to
 * rebalance that any replica may place. A replica that stops refreshing (dead,
 * or draining) drops out of the others' view when its record expires or is
 * withdrawn.
 */
export interface ReplicaLoads {
  /** Publishes this replica's number of sessions, valid for `ttlMs`. */
  publish(sessions: number, ttlMs: number): Promise<void>;
  /** Every replica with a live record, this one included. */
  read(): Promise<ReplicaLoad[]>;
  /** Places a request to rebalance, seen by every replica on its next read; returns its id. */
  request(): Promise<string>;
  /** The id of the standing request, if any. */
  standingRequest(): Promise<string | undefined>;
  /** Removes this replica's record (a drain): the others stop counting it at once. */
  withdraw(): Promise<void>;
}
