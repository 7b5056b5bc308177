import type { QoS } from './message';

export interface StoredSubscription {
  readonly filter: string;
  readonly qos: QoS;
  /** MQTT 5 subscription options; absent means off. */
  readonly noLocal?: boolean;
  readonly retainAsPublished?: boolean;
  readonly subscriptionId?: number;
}

/** What a persistent session keeps between connections. */
export interface SessionState {
  readonly protocolVersion: number;
  readonly expirySeconds: number;
  readonly subscriptions: readonly StoredSubscription[];
  /** QoS 2 packet ids published by the client and awaiting its PUBREL, so a resend is not published twice. */
  readonly inboundQos2?: readonly number[];
  /** QoS 2 packet ids we sent PUBREL for and await PUBCOMP; resent on resume [MQTT-4.4.0-1]. */
  readonly outboundPubrel?: readonly number[];
}

/** Where a live connection of a client is: the replica and the connection on it. */
export interface OwnerRef {
  readonly pod: string;
  readonly connection: string;
}

export interface Claim {
  /** Increases with every claim of the client id; writes with an older epoch are refused (fencing). */
  readonly epoch: number;
  readonly previous?: OwnerRef;
  /** The stored session, unless the claim asked for a clean start. */
  readonly session?: SessionState;
}

/**
 * Session ownership and persistent-session state, keyed by client id. The
 * memory implementation serves one process; the Redis one lets any replica
 * resume any session. Both pass test/integration/store/session-store.contract.ts.
 */
export interface SessionStore {
  /** Takes ownership of a client id; a clean start also discards the stored session. */
  claim(clientId: string, owner: OwnerRef, cleanStart: boolean): Promise<Claim>;
  /** Saves the session under the epoch; a stale epoch throws StaleEpochError. */
  save(clientId: string, epoch: number, state: SessionState): Promise<void>;
  /** Forgets the session and releases ownership when the epoch is still current. */
  discard(clientId: string, epoch: number): Promise<void>;
  /** Releases ownership (the session stays) when the epoch is still current. */
  release(clientId: string, epoch: number): Promise<void>;
  /**
   * The epoch of the client id's latest claim, undefined when none is known.
   * Read to fence a connection whose takeover notice was lost: a greater epoch
   * than its own means another connection owns the client id.
   */
  epochOf(clientId: string): Promise<number | undefined>;
  /** Called when another connection claimed a client id this replica owns. */
  onTakeover(listener: (clientId: string, owner: OwnerRef) => void): void;
  close(): Promise<void>;
}

export class StaleEpochError extends Error {
  override readonly name = 'StaleEpochError';
  constructor(clientId: string, epoch: number) {
    super(`client ${clientId}: epoch ${epoch} is no longer the owner`);
  }
}
