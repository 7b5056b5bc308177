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
  /**
   * The Session Expiry Interval, as the last CONNECT or DISCONNECT set it: the
   * store ends the session this long after its release [MQTT-3.1.2-23].
   */
  readonly expirySeconds: number;
  /** The vhost of the session's queue, for whoever deletes it once the session expired unclaimed. */
  readonly vhost?: string;
  readonly subscriptions: readonly StoredSubscription[];
  /**
   * QoS 2 packet ids awaiting PUBREL as sessions stored them before the ids
   * had a record of their own (see InboundQos2Entry); read, no longer written.
   */
  readonly inboundQos2?: readonly number[];
  /** QoS 2 packet ids we sent PUBREL for and await PUBCOMP; resent on resume [MQTT-4.4.0-1]. */
  readonly outboundPubrel?: readonly number[];
  /**
   * QoS 1 and 2 PUBLISHes the session had sent and not seen acknowledged when
   * its connection closed: their messages went back to their queues and go out
   * again under the same ids [MQTT-4.4.0-1]. Written by a closing session; a
   * live one writes only its released QoS 2 messages that carry a token, whose
   * acks follow the write and may die with the replica.
   */
  readonly outboundUnacked?: readonly OutboundUnacked[];
  /**
   * The QoS 2 tokens of the messages the session delivered last, so a copy
   * its publisher's new replica publishes again after a failure is still known
   * for one when the subscriber's session moved in the same failure. Written
   * by a closing session only.
   */
  readonly recentTokens?: readonly RecentToken[];
}

/** A QoS 2 token a session met on a queue, and whether that copy was flagged as published again. */
export interface RecentToken {
  readonly queue: string;
  readonly token: string;
  readonly resent?: true;
}

/**
 * One PUBLISH out and unacknowledged: its packet id, the queue its message
 * came from, and what tells the message apart. `released`: PUBREC came and
 * PUBREL went out, so the message is the client's; should it come back (its
 * ack lost with a connection), it is not sent again.
 */
export interface OutboundUnacked {
  readonly id: number;
  readonly queue: string;
  readonly key: string;
  readonly released?: true;
}

/**
 * One inbound QoS 2 message between its PUBLISH and PUBREL, recorded apart
 * from the session so each step is one small write. `pending` is written
 * before the message goes to RabbitMQ, whose fate it leaves open; `received`
 * once RabbitMQ confirmed it. The token travels with the message, so a copy
 * published again after a failure can be recognised by subscribers.
 */
export interface InboundQos2Entry {
  readonly id: number;
  readonly token: string;
  readonly state: 'pending' | 'received';
}

/** A record as written: the packet id is where it is written to. */
export type InboundQos2Record = Omit<InboundQos2Entry, 'id'>;

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
  /** The inbound QoS 2 records of that session. */
  readonly inboundQos2?: readonly InboundQos2Entry[];
}

/** A session that expired while no connection held it: its queue is to go. */
export interface ExpiredSession {
  readonly clientId: string;
  /** The vhost its state names; undefined for state stored before sessions named one. */
  readonly vhost?: string;
}

/**
 * Session ownership and persistent-session state, keyed by client id. The
 * store is the authority on a released session's expiry: its deadline is set
 * at the release from the expiry the state names (the DISCONNECT's, longer or
 * shorter than the CONNECT's), a claim past it finds no session, and
 * claimExpired hands each expired session out once for its queue to go. The
 * memory implementation serves one process; the Redis one lets any replica
 * resume any session. Both pass test/integration/store/session-store.contract.ts.
 */
export interface SessionStore {
  /** Takes ownership of a client id; a clean start also discards the stored session. */
  claim(clientId: string, owner: OwnerRef, cleanStart: boolean): Promise<Claim>;
  /** Saves the session under the epoch; a stale epoch throws StaleEpochError. */
  save(clientId: string, epoch: number, state: SessionState): Promise<void>;
  /**
   * Writes the record of one inbound QoS 2 id, or removes it (`entry`
   * undefined), fenced by the epoch as save is. It lives and ends with the session.
   */
  recordInboundQos2(
    clientId: string,
    epoch: number,
    id: number,
    record: InboundQos2Record | undefined,
  ): Promise<void>;
  /** Forgets the session and releases ownership when the epoch is still current. */
  discard(clientId: string, epoch: number): Promise<void>;
  /** Releases ownership (the session stays) when the epoch is still current. */
  release(clientId: string, epoch: number): Promise<void>;
  /**
   * Undoes a claim whose reply never came (Redis failing over): it may have
   * taken effect all the same. Releases ownership, like release(), if `owner`
   * (that very connection) still holds the client id; otherwise does nothing.
   */
  abandon(clientId: string, owner: OwnerRef): Promise<void>;
  /**
   * The epoch of the client id's latest claim, undefined when none is known.
   * Read to fence a connection whose takeover notice was lost: a greater epoch
   * than its own means another connection owns the client id.
   */
  epochOf(clientId: string): Promise<number | undefined>;
  /**
   * Ends the sessions whose deadline passed while no connection held them
   * (their state and QoS 2 records go, and late writes of their last owner are
   * fenced out) and returns them, each to one caller across replicas, at most `limit`.
   */
  claimExpired(limit?: number): Promise<ExpiredSession[]>;
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
