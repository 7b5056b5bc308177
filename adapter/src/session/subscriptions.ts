import type { ISubscribePacket, ISubscription, IUnsubscribePacket } from 'mqtt-packet';
import { failureOf, type BrokerLink, type FastPathSubscriber } from '../ports/broker';
import type { Delivery } from '../ports/message';
import { MqttError } from '../mqtt/errors';
import { Reason, SUBACK_FAILURE_V3 } from '../mqtt/reason-codes';
import { filterToBindingKey, topicFilterProblem } from '../mqtt/topic';
import type { StoredSubscription } from '../ports/session-store';
import type { Log } from '../log';
import type { Deliverer } from './delivery';
import { parseShared, sharedQueueName } from './shared';
import { consumerTagFor } from './consumer-tag';
import type { QoS, SessionDeps, Subscription } from './types';

const NONE: ReadonlyMap<string, Subscription> = new Map();

/** A clean session's queue outlives a crashed adapter by this long at most. */
const CLEAN_QUEUE_EXPIRES_MS = 10_000;

/** How long a persistent session's queue outlives the longest session expiry, unused, before RabbitMQ drops it. */
export const QUEUE_EXPIRY_MARGIN_S = 3600;

/**
 * The x-expires of a persistent session's queue: a backstop only. The store
 * is the authority on a session's expiry, which a DISCONNECT may lengthen or
 * shorten after the queue was declared (an argument RabbitMQ never lets
 * change); the sweeper deletes the queue once the store has ended the session
 * (SessionReaper). RabbitMQ drops the queue on its own only if that never
 * happens, an hour past the longest expiry the adapter grants.
 */
export function queueExpiresMs(sessionExpiryMax: number): number {
  return (sessionExpiryMax + QUEUE_EXPIRY_MARGIN_S) * 1000;
}

/** Queue name compatible with RabbitMQ's MQTT plugin. */
export const queueNameFor = (clientId: string): string => `mqtt-subscription-${clientId}qos1`;

/** Why a SUBSCRIBE filter was refused, as `mqtt_adapter_subscriptions_refused_total` counts it. */
type RefusalKind = 'quota' | 'invalid' | 'not-authorized' | 'error';

/** Retained messages to send after the SUBACK, per granted filter. */
export interface RetainedRequest {
  readonly filter: string;
  readonly qos: QoS;
  readonly subscriptionId?: number;
}

export interface SubscribeResult {
  readonly granted: number[];
  readonly retained: RetainedRequest[];
}

/**
 * The session the subscriptions belong to: an object rather than two
 * closures, which every session, idle or not, would hold.
 */
export interface SubscriptionsOwner {
  /** Made on first use by the session: a client without subscriptions never needs one. */
  deliveries(): Deliverer;
  /** Ends the connection: a consume refused after its SUBACK went out. */
  end(why: string): void;
}

/**
 * One client's subscriptions and what backs them: bindings of the client's
 * queue (persistent sessions, and QoS >= 1), the pod's QoS 0 fast path (clean
 * sessions at QoS 0), or a shared group's queue (`$share/...`).
 */
export class Subscriptions implements FastPathSubscriber {
  /** Made with the first subscription: most idle connections hold none. */
  private byFilter: Map<string, Subscription> | undefined;
  private queueReady: Promise<void> | undefined;
  /** The consume of a queue made here, which its SUBACK does not wait for; settles, never rejects. */
  private consuming: Promise<void> | undefined;
  private staleQueueGone = false;
  /**
   * The ready queue a clean session took (openReadyQueue), its queue instead of the one named after
   * its client id: this connection's alone, deleted at its end even when another owns the client id now.
   */
  private readyQueue: string | undefined;
  /** Teardown began: work that finishes after it undoes what it made instead of keeping it. */
  private closed = false;

  constructor(
    private readonly deps: SessionDeps,
    private readonly log: Log,
    private readonly link: BrokerLink,
    private readonly clientId: string,
    private readonly persistent: boolean,
    /** Whether the client's queue may hold state from before (the session was present). */
    private queueMayExist: boolean,
    private readonly owner: SubscriptionsOwner,
    private readonly protocolVersion: number,
    private readonly prefetch: number,
  ) {}

  /** The client's subscriptions by filter. */
  get map(): ReadonlyMap<string, Subscription> {
    return this.byFilter ?? NONE;
  }

  private keep(s: Subscription): void {
    (this.byFilter ??= new Map()).set(s.filter, s);
  }

  get queue(): string {
    return this.readyQueue ?? queueNameFor(this.clientId);
  }

  get hasNoLocal(): boolean {
    for (const s of this.map.values()) if (s.noLocal) return true;
    return false;
  }

  deliverFast(d: Delivery): void {
    this.owner.deliveries().fromFastPath(d);
  }

  stored(): StoredSubscription[] {
    return [...this.map.values()].map(({ filter, qos, noLocal, retainAsPublished, subscriptionId }) => ({
      filter,
      qos,
      ...(noLocal ? { noLocal } : {}),
      ...(retainAsPublished ? { retainAsPublished } : {}),
      ...(subscriptionId !== undefined ? { subscriptionId } : {}),
    }));
  }

  /** Brings back a present session's subscriptions; their bindings are still on the durable queues. */
  async restore(subs: readonly StoredSubscription[]): Promise<void> {
    // Without a present session, a queue an earlier session of this client id left must go now, not
    // at the first queue-backed SUBSCRIBE: a client that never makes one would inherit or leak it [MQTT-3.1.2-6].
    if (!this.queueMayExist) {
      await this.link.deleteStaleQueue(this.queue).catch(() => undefined);
      this.staleQueueGone = true;
    }
    for (const s of subs) {
      const shared = parseShared(s.filter);
      const shareQueue = shared && shared !== 'invalid' ? sharedQueueName(shared) : undefined;
      this.keep({ ...s, fast: false, shareQueue });
      if (shareQueue) await this.consumeShared(shareQueue);
    }
    if (subs.some((s) => !s.filter.startsWith('$share/'))) await this.ensureQueue();
  }

  /** Grants or refuses each filter of a SUBSCRIBE on its own; returns the SUBACK codes. */
  async subscribe(p: ISubscribePacket): Promise<SubscribeResult> {
    const subscriptionId = p.properties?.subscriptionIdentifier;
    if (p.subscriptions.length === 0)
      throw new MqttError(Reason.ProtocolError, 'SUBSCRIBE without a topic filter [MQTT-3.8.3-2]');
    if (subscriptionId === 0)
      throw new MqttError(Reason.ProtocolError, 'Subscription Identifier 0 (3.8.2.1.2)');
    const granted: number[] = [];
    const retained: RetainedRequest[] = [];
    for (const s of p.subscriptions) {
      const existed = this.map.has(s.topic);
      const code = await this.subscribeOne(s, subscriptionId);
      granted.push(code);
      // Retain Handling: 0 always, 1 only for a new subscription, 2 never [MQTT-3.3.1-9] [MQTT-3.3.1-10].
      const rh = s.rh ?? 0;
      const wanted = rh === 0 || (rh === 1 && !existed);
      if (code <= 2 && wanted && !s.topic.startsWith('$share/')) {
        retained.push({ filter: s.topic, qos: code as QoS, subscriptionId });
      }
    }
    return { granted, retained };
  }

  /** The SUBACK code of a refused filter, counted by why. */
  private refused(why: RefusalKind, v5Reason: number): number {
    this.deps.metrics.subscriptionsRefused.inc({ reason: why });
    return this.protocolVersion === 5 ? v5Reason : SUBACK_FAILURE_V3;
  }

  /**
   * A filter the client does not hold yet is refused once it holds the cap; a held one is only
   * replaced, and restored ones count, so a resumed session cannot grow past it either.
   */
  private overQuota(filter: string): boolean {
    const cap = this.deps.config.maxSubscriptionsPerClient;
    if (this.map.has(filter) || this.map.size < cap) return false;
    this.log.info(
      { filter, cap },
      `SUBSCRIBE filter refused: the client holds ${cap} filters (MQTT_ADAPTER_MAX_SUBSCRIPTIONS_PER_CLIENT)`,
    );
    return true;
  }

  private async subscribeOne(s: ISubscription, subscriptionId: number | undefined): Promise<number> {
    const filter = s.topic;
    const parsed = parseShared(filter);
    const shared = parsed === 'invalid' ? undefined : parsed;
    const inner = shared ? shared.filter : filter;
    const problem =
      parsed === 'invalid' ? 'bad-share-name' : topicFilterProblem(inner, this.deps.config.amqpWildcards);
    if (problem) {
      this.log.info({ filter, problem }, 'SUBSCRIBE filter refused');
      return this.refused('invalid', Reason.TopicFilterInvalid);
    }
    if (shared && s.nl)
      throw new MqttError(Reason.ProtocolError, 'No Local on a shared subscription [MQTT-3.8.3-4]');
    if (this.overQuota(filter)) return this.refused('quota', Reason.QuotaExceeded);
    const qos = Math.min(s.qos, this.deps.config.maxQos) as QoS;
    const options = {
      noLocal: s.nl ?? false,
      retainAsPublished: s.rap ?? false,
      ...(subscriptionId !== undefined ? { subscriptionId } : {}),
    };
    try {
      const old = this.map.get(filter);
      if (shared) {
        const shareQueue = sharedQueueName(shared);
        await this.link.declareQueue({
          name: shareQueue,
          durable: true,
          expiresMs: this.deps.config.sessionExpiryMax * 1000,
          quorum: false,
        });
        await this.link.bind(shareQueue, filterToBindingKey(inner));
        await this.consumeShared(shareQueue);
        this.keep({ filter, qos, fast: false, shareQueue, ...options });
        return qos;
      }
      const fast = !this.persistent && qos === 0;
      if (fast) {
        await this.link.addFast(filter, this);
        if (this.closed) {
          await this.link.removeFast(filter, this);
          return this.refused('error', Reason.UnspecifiedError);
        }
      } else {
        const key = filterToBindingKey(filter);
        try {
          // The queue's first SUBSCRIBE binds it in the same round trip as its declare.
          if (!(await this.ensureQueue(key))) await this.link.bind(this.queue, key);
        } catch (err) {
          this.undoUnknownBind(key, err);
          throw err;
        }
      }
      if (old && old.fast !== fast) await this.unbind(old);
      this.keep({ filter, qos, fast, ...options });
      return qos;
    } catch (err) {
      const denied = failureOf(err) === 'access-refused';
      this.log.warn(
        { filter, err: (err as Error).message },
        denied ? 'RabbitMQ refused the binding' : 'binding failed',
      );
      return denied
        ? this.refused('not-authorized', Reason.NotAuthorized)
        : this.refused('error', Reason.UnspecifiedError);
    }
  }

  /**
   * A bind whose outcome is unknown (its wait passed the deadline, or its
   * channel went) may still be made by RabbitMQ, and a refused filter must
   * bring nothing: the key is unbound again unless a subscription of the
   * queue holds it, once RabbitMQ is done with the bind. A group's queue and the fast path keep
   * theirs: other clients may hold the same binding.
   */
  private undoUnknownBind(key: string, err: unknown): void {
    if (failureOf(err) !== 'gone') return;
    for (const s of this.map.values())
      if (!s.fast && !s.shareQueue && filterToBindingKey(s.filter) === key) return;
    this.link.undoBind(this.queue, key);
  }

  private consumeShared(queue: string): Promise<void> {
    return this.link.consume(queue, this.prefetch, (d, q) => this.owner.deliveries().fromQueue(d, q));
  }

  /** Unsubscribes each filter; returns the v5 UNSUBACK codes. */
  async unsubscribe(p: IUnsubscribePacket): Promise<number[]> {
    if (p.unsubscriptions.length === 0)
      throw new MqttError(Reason.ProtocolError, 'UNSUBSCRIBE without a topic filter [MQTT-3.10.3-2]');
    const codes: number[] = [];
    for (const filter of p.unsubscriptions) {
      const s = this.map.get(filter);
      if (!s) {
        codes.push(Reason.NoSubscriptionExisted);
        continue;
      }
      this.byFilter?.delete(filter);
      await this.unbind(s).catch(() => undefined);
      codes.push(Reason.Success);
    }
    return codes;
  }

  private async unbind(s: Subscription): Promise<void> {
    // The group's binding stays for the other members; this client only stops consuming.
    if (s.shareQueue) await this.link.cancel(s.shareQueue);
    else if (s.fast) await this.link.removeFast(s.filter, this);
    else await this.link.unbind(this.queue, filterToBindingKey(s.filter));
  }

  /**
   * Makes the client's queue and starts its consume once; true when this call
   * made it and bound it to `key` on the way, false when the queue was there already.
   */
  private ensureQueue(key?: string): Promise<boolean> {
    if (this.queueReady) return this.queueReady.then(() => false);
    const opened = this.openQueue(key);
    const ready = opened.then(() => undefined);
    this.queueReady = ready;
    ready.catch(() => {
      if (this.queueReady === ready) this.queueReady = undefined;
    });
    return opened;
  }

  private async openQueue(key: string | undefined): Promise<boolean> {
    // A clean session whose client-id queue from before is gone (restore) binds a queue declared ahead instead.
    if (key !== undefined && !this.persistent && this.staleQueueGone) {
      const ready = await this.link.openReadyQueue(key);
      if (ready !== undefined) {
        this.readyQueue = ready;
        this.owner.deliveries().ownQueueIs(ready);
        return this.consumeMade(true, consumerTagFor(ready, this.clientId));
      }
    }
    // A queue left from an earlier session must not leak its bindings or messages into a new one;
    // a present session's queue is kept as declared (its arguments may differ from today's).
    const keep = this.queueMayExist && (await this.link.queueExists(this.queue));
    if (keep) {
      // A queue kept from before was bound by earlier SUBSCRIBEs: a refused consume refuses only this filter.
      await this.link.consume(this.queue, this.prefetch, (d, q) => this.owner.deliveries().fromQueue(d, q));
      return false;
    }
    // A present session whose queue is gone (deleted by hand, or declared by an older adapter with
    // the expiry of its CONNECT, see queueExpiresMs) gets its bindings back, with the new filter's.
    const keys = this.queueMayExist
      ? [...this.map.values()]
          .filter((s) => !s.fast && !s.shareQueue)
          .map((s) => filterToBindingKey(s.filter))
      : [];
    if (key !== undefined && !keys.includes(key)) keys.push(key);
    await this.link.openQueue(
      {
        name: this.queue,
        durable: this.persistent,
        expiresMs: this.persistent
          ? queueExpiresMs(this.deps.config.sessionExpiryMax)
          : CLEAN_QUEUE_EXPIRES_MS,
        quorum: this.persistent && this.deps.config.queueType === 'quorum',
      },
      keys,
      !this.queueMayExist && !this.staleQueueGone,
    );
    return this.consumeMade(key !== undefined);
  }

  /**
   * Starts the consume of a queue made and bound here, its read permission
   * checked with them (openQueue's purge, or the ready queue's at its declare).
   * From the bind's reply on, the queue holds whatever matches until the
   * consumer takes it, so the SUBACK does not wait for consume-ok. A consume
   * refused even so ends the connection; a persistent session finds its
   * messages on resuming. Returns `bound`.
   */
  private async consumeMade(bound: boolean, tag?: string): Promise<boolean> {
    if (this.closed && !this.persistent) {
      // The teardown's delete may have gone out before this declare; a clean session's queue must not outlive it.
      await this.link.deleteQueue(this.queue);
      throw new Error('session closed');
    }
    this.queueMayExist = true;
    const consumed = this.link.consume(
      this.queue,
      this.prefetch,
      (d, q) => this.owner.deliveries().fromQueue(d, q),
      true,
      tag,
    );
    this.consuming = consumed.catch((err: unknown) => {
      if (this.closed) return;
      this.log.warn({ err: (err as Error).message }, 'RabbitMQ refused the consume of a subscribed queue');
      this.owner.end('consume refused after SUBACK');
    });
    return bound;
  }

  /** Leaves the fast path; a session that ends also deletes its queue. */
  async teardown(ending: boolean): Promise<void> {
    this.closed = true;
    for (const s of this.map.values()) {
      if (s.fast) await this.link.removeFast(s.filter, this).catch(() => undefined);
    }
    // A consume still on its way would find the queue gone, a channel error on a channel others share.
    await this.consuming;
    if ((ending || this.readyQueue !== undefined) && this.queueReady)
      await this.link.deleteQueue(this.queue).catch(() => undefined);
  }
}
