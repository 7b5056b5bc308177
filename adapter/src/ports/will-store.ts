import type { MessageProps, QoS } from './message';

/** MQTT 5 properties a will is published with (MQTT 3 wills have none). */
export type WillProperties = MessageProps;

/** The will of a connection, as its CONNECT gave it (the session's Will fits as is). */
export interface StoredWill {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly retain: boolean;
  /** MQTT 5 Will Delay Interval; 0 for MQTT 3 [MQTT-3.1.3-9]. */
  readonly delaySeconds: number;
  readonly props?: WillProperties;
}

/** A will handed to one caller to publish. */
export interface OrphanWill {
  readonly clientId: string;
  readonly will: StoredWill;
}

/** The will of an earlier connection, found when a new one claims the client id. */
export interface SupersededWill {
  readonly will: StoredWill;
  /** True when its connection had closed and the will was waiting for its delay or the drain grace. */
  readonly scheduled: boolean;
}

/**
 * Wills of connections, by client id, under the epoch of the claim that made
 * the connection the owner. Every operation that hands a will out removes it
 * in the same atomic step, so each will is published at most once across all
 * replicas. The protocol of a connection:
 *
 * - CONNECT, after SessionStore.claim: `supersede` (settles the previous
 *   connection's will), then `put` when the CONNECT carries a will.
 * - normal DISCONNECT: `remove` [MQTT-3.1.2-10].
 * - abnormal close: `take` and publish when the will has no delay, else
 *   `schedule` with the delay (or the drain grace) for the sweeper's `claimDue`.
 */
export interface WillStore {
  /** Stores the will; a stale epoch throws StaleEpochError. Replaces any earlier will. */
  put(clientId: string, epoch: number, will: StoredWill): Promise<void>;
  /** Drops the will of that epoch, if it is still there. */
  remove(clientId: string, epoch: number): Promise<void>;
  /** Removes and returns the will of that epoch, scheduled or not, to publish now. */
  take(clientId: string, epoch: number): Promise<StoredWill | undefined>;
  /** Makes the will of that epoch due after delayMs; until then a reconnect can cancel it. */
  schedule(clientId: string, epoch: number, delayMs: number): Promise<void>;
  /**
   * Removes and returns a will of an epoch older than this one. The caller
   * decides: a scheduled will is cancelled by the reconnect [MQTT-3.1.3-9]
   * unless the new connection starts clean (the session ends, so it is
   * published); the will of a connection that was still open (a takeover) is
   * published unless the new connection resumes the session and the will has
   * a delay. A call that failed may have taken the will all the same (its
   * reply lost): a retry under the same epoch gets it then, so the will is
   * neither lost nor handed out twice.
   */
  supersede(clientId: string, epoch: number): Promise<SupersededWill | undefined>;
  /** Removes and returns up to `limit` wills whose time has come, each to exactly one caller. */
  claimDue(limit?: number): Promise<OrphanWill[]>;
  close(): Promise<void>;
}
