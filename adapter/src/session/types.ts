import type { Packet } from 'mqtt-packet';
import type { Log } from '../log';
import type { Config } from '../config/settings';
import type { BrokerPort } from '../ports/broker';
import type { Clock } from '../ports/clock';
import type { QoS } from '../ports/message';
import type { SessionStore } from '../ports/session-store';
import type { RetainedStore } from '../ports/retained-store';
import type { Metrics } from '../observability/metrics';
import type { LocalRegistry } from './registry';
import type { WillStore } from '../ports/will-store';
import type { WillPublisher } from './will-publisher';
import type { StoreBacklog } from './backlog';
import type { PendingBinds } from './pending-binds';
import type { ConnectGate } from './connect-gate';
import type { SessionReaper } from './session-reaper';

/** What the session needs from its connection; it never sees the socket. */
export interface Outbound {
  /** Writes a packet; false when it was not sent because it exceeds the client's Maximum Packet Size. */
  send(packet: Packet): boolean;
  /** True while the socket's write buffer is over its high-water mark. */
  readonly congested: boolean;
  /** Resolves when the socket's write buffer has drained. */
  drained(): Promise<void>;
  /** Stops reading from the client until the promise settles. */
  pauseReading(until: Promise<unknown>): void;
  /** Closes the connection; the session's close() follows. */
  close(why: string): void;
}

/** The process-wide collaborators of every session. */
export interface SessionDeps {
  readonly config: Config;
  readonly pod: string;
  readonly broker: BrokerPort;
  readonly sessions: SessionStore;
  readonly retained: RetainedStore;
  readonly registry: LocalRegistry;
  readonly wills: WillStore;
  readonly willPublisher: WillPublisher;
  /** Deletes the queues of sessions the store ended at their expiry; knows the logins of those released here. */
  readonly reaper: SessionReaper;
  /** Store work of closed connections to redo once Redis answers again. */
  readonly backlog: StoreBacklog;
  /** SUBSCRIBEs read whose binds are under way: a matching PUBLISH read after one waits for it. */
  readonly pendingBinds: PendingBinds;
  /** CONNECTs under way, their background work after a refusal included. */
  readonly connecting: ConnectGate;
  readonly metrics: Metrics;
  readonly log: Log;
  /** Timers of connections and deadlines; the real ones unless a test drives time. */
  readonly clock?: Clock;
}

export type { QoS } from '../ports/message';

export interface Subscription {
  readonly filter: string;
  readonly qos: QoS;
  /** Served by the pod's QoS 0 fast path rather than the client's queue. */
  readonly fast: boolean;
  /** MQTT 5 options. */
  readonly noLocal?: boolean;
  readonly retainAsPublished?: boolean;
  readonly subscriptionId?: number;
  /** `$share/<group>/...`: consumed from the group's queue, not the client's. */
  readonly shareQueue?: string;
}

/** What a client asked for in its v5 CONNECT, with v3 defaults. */
export interface ClientLimits {
  readonly receiveMaximum: number;
  readonly maximumPacketSize: number;
  readonly topicAliasMaximum: number;
  readonly requestProblemInformation: boolean;
}
