import type { Credentials } from './credentials';
import type { Delivery, PublishExtras, QoS } from './message';

export interface QueueSpec {
  readonly name: string;
  readonly durable: boolean;
  readonly expiresMs: number;
  readonly quorum: boolean;
}

/** Told that the broker's buffer for this client is full, with when it drains, so the caller stops reading. */
export type OnFull = (drained: Promise<void>) => void;

export interface LinkPublishExtras extends PublishExtras {
  /** Resolve to false when no queue took the message (MQTT 5 "no matching subscribers"). */
  readonly mandatory?: boolean;
}

/**
 * Why the broker did not do what a link asked:
 * - `access-refused`: the user lacks the permission (AMQP 403);
 * - `nacked`: a queue did not take a confirmed publish (basic.nack, which carries no reason);
 * - `refused`: another error the broker raised over the operation (it carries a reply code);
 * - `gone`: the channel or connection went away first, so whether it happened is unknown.
 */
export type BrokerFailure = 'access-refused' | 'nacked' | 'refused' | 'gone';

/** A failed broker operation, classified; the message is the broker's own. */
export class BrokerError extends Error {
  override readonly name = 'BrokerError';
  constructor(
    readonly kind: BrokerFailure,
    message: string,
    /** The broker's reply code, when it sent one. */
    readonly code?: number,
  ) {
    super(message);
  }
}

/** The kind of a failure; anything not classified by the broker counts as `gone` (outcome unknown). */
export function failureOf(err: unknown): BrokerFailure {
  return err instanceof BrokerError ? err.kind : 'gone';
}

/** A subscriber of the QoS 0 fast path. */
export interface FastPathSubscriber {
  /** Delivers a QoS 0 message; the subscriber drops it when its socket is congested. */
  deliverFast(d: Delivery, filter: string): void;
}

/**
 * One MQTT client's part of the broker, logged in as its user. Operations
 * reject with a BrokerError; a refusal costs the client only that operation.
 */
export interface BrokerLink {
  /**
   * Publishes to the exchange. Resolves once the broker has confirmed the
   * message (QoS >= 1) or once it is written (QoS 0); with `mandatory`,
   * resolves to false when no queue took it. `onFull` fires when the link's
   * buffer is full, so the caller stops reading.
   */
  publish(
    topic: string,
    payload: Buffer,
    qos: QoS,
    onFull: OnFull,
    extras?: LinkPublishExtras,
  ): Promise<boolean>;
  declareQueue(q: QueueSpec): Promise<void>;
  deleteQueue(queue: string): Promise<void>;
  /** Deletes a queue an earlier session of the client id may have left (at CONNECT). */
  deleteStaleQueue(queue: string): Promise<void>;
  /**
   * Deletes the queue of a session that expired unless something consumes it
   * (a new session of the client id); true when a queue was deleted.
   */
  deleteUnusedQueue(queue: string): Promise<boolean>;
  queueExists(queue: string): Promise<boolean>;
  /**
   * Declares a queue that starts empty (deleting any queue of its name first
   * when `replace`), checks that the client may consume it, and binds it to
   * each key: what a session's first queue-backed SUBSCRIBE needs, at once.
   * The consume that follows passes `checked`.
   */
  openQueue(q: QueueSpec, bindingKeys: readonly string[], replace: boolean): Promise<void>;
  /**
   * A queue declared ahead for a clean session (MQTT_ADAPTER_READY_QUEUES),
   * bound to `bindingKey`; its name, or undefined when none was ready or the
   * broker refused it, and the caller opens the client's own queue instead.
   * The queue is the caller's to delete.
   */
  openReadyQueue(bindingKey: string): Promise<string | undefined>;
  bind(queue: string, bindingKey: string): Promise<void>;
  unbind(queue: string, bindingKey: string): Promise<void>;
  /**
   * Undoes a bind whose outcome is unknown (it failed as `gone`: RabbitMQ may
   * still make it), in the background: unbinds once the broker is done with
   * the bind, before any operation of the link that comes after.
   */
  undoBind(queue: string, bindingKey: string): void;
  /**
   * Consumes `queue` with at most `prefetch` unacked deliveries. `checked`:
   * openQueue has just checked that the client may, so the link need not.
   * `tag`, unique on the link's connection, names the consumer for operators.
   */
  consume(
    queue: string,
    prefetch: number,
    onDelivery: (d: Delivery, queue: string) => void,
    checked?: boolean,
    tag?: string,
  ): Promise<void>;
  /** Stops consuming a queue; its unacked deliveries stay this link's until acked or the link closes. */
  cancel(queue: string): Promise<void>;
  /** Acks a delivery once; a second ack of the same tag does nothing. */
  ack(deliveryTag: number): void;
  /** Adds a clean-session QoS 0 subscription to the fast path; the broker checks the user may bind it. */
  addFast(filter: string, s: FastPathSubscriber): Promise<void>;
  removeFast(filter: string, s: FastPathSubscriber): Promise<void>;
  /** The broker connection under this link is gone. */
  readonly lost: boolean;
  /** Who hears what happens to the link: its session. */
  events: LinkEvents | undefined;
  /** Releases the link; unacked deliveries go back to their queues, redelivered. */
  close(): Promise<void>;
}

/**
 * What a link tells its session. One object with a method per event, rather
 * than a function each, since every connection holds a link.
 */
export interface LinkEvents {
  /** The broker connection under the link is gone. */
  linkLost(): void;
  /** The broker dropped this client's consumers (their channel closed); unacked ones are requeued. */
  consumerLost(err: Error | undefined): void;
  /**
   * This client's consumers moved to a new channel (theirs closed over another client's
   * refusal), before anything comes on it: what they held unacked comes back redelivered.
   */
  consumersMoved(): void;
  /** The broker cancelled one of this client's consumers (its queue was deleted). */
  consumerCancelled(queue: string): void;
  /** The broker refused an unconfirmed (QoS 0) publish, which it answers no other way. */
  publishRefused(err: BrokerError): void;
}

/** The broker as the session core sees it. */
export interface BrokerPort {
  /** Logs a client in as its user; throws MqttError with the CONNACK reason. */
  login(c: Credentials): Promise<BrokerLink>;
  /** Closes every broker connection (the end of the process drain). */
  close(): Promise<void>;
}
