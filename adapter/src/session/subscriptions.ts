import type { ISubscribePacket, IUnsubscribePacket } from 'mqtt-packet';
import type { ClientLink } from '../amqp/client-link';
import type { FastPathSubscriber } from '../amqp/fast-path';
import type { Delivery } from '../amqp/message';
import { isAccessRefused } from '../amqp/errors';
import { Reason, SUBACK_FAILURE_V3 } from '../mqtt/reason-codes';
import { filterToBindingKey, topicFilterProblem } from '../mqtt/topic';
import type { StoredSubscription } from '../ports/session-store';
import type { Deliverer } from './delivery';
import type { QoS, SessionDeps, Subscription } from './types';

/** A clean session's queue outlives a crashed adapter by this long at most. */
const CLEAN_QUEUE_EXPIRES_MS = 10_000;

/** Queue name compatible with RabbitMQ's MQTT plugin. */
export const queueNameFor = (clientId: string): string => `mqtt-subscription-${clientId}qos1`;

/**
 * One client's subscriptions and what backs them: bindings of the client's
 * queue (persistent sessions, and QoS >= 1), or the pod's QoS 0 fast path
 * (clean sessions at QoS 0).
 */
export class Subscriptions implements FastPathSubscriber {
  readonly map = new Map<string, Subscription>();
  private queueReady: Promise<void> | undefined;

  constructor(
    private readonly deps: SessionDeps,
    private readonly link: ClientLink,
    private readonly clientId: string,
    private readonly persistent: boolean,
    /** Whether the client's queue may hold state from before (the session was present). */
    private queueMayExist: boolean,
    private readonly expirySeconds: number,
    private readonly deliverer: Deliverer,
    private readonly protocolVersion: number,
  ) {}

  get queue(): string {
    return queueNameFor(this.clientId);
  }

  deliverFast(d: Delivery): void {
    this.deliverer.fromFastPath(d);
  }

  stored(): StoredSubscription[] {
    return [...this.map.values()].map(({ filter, qos }) => ({ filter, qos }));
  }

  /** Brings back a present session's subscriptions; their bindings are still on the durable queue. */
  async restore(subs: readonly StoredSubscription[]): Promise<void> {
    // Without a present session, a queue an earlier session of this client id left must go now, not
    // at the first queue-backed SUBSCRIBE: a client that never makes one would inherit or leak it [MQTT-3.1.2-6].
    if (!this.queueMayExist) await this.link.deleteQueue(this.queue).catch(() => undefined);
    for (const s of subs) this.map.set(s.filter, { filter: s.filter, qos: s.qos, fast: false });
    if (subs.length > 0) await this.ensureQueue();
  }

  /** Grants or refuses each filter of a SUBSCRIBE on its own; returns the SUBACK codes. */
  async subscribe(p: ISubscribePacket): Promise<number[]> {
    const granted: number[] = [];
    for (const s of p.subscriptions)
      granted.push(await this.subscribeOne(s.topic, Math.min(s.qos, 1) as QoS));
    return granted;
  }

  private async subscribeOne(filter: string, qos: QoS): Promise<number> {
    const v5 = this.protocolVersion === 5;
    const problem = topicFilterProblem(filter);
    if (problem) {
      this.deps.log.info({ filter, problem }, 'SUBSCRIBE filter refused');
      return v5 ? Reason.TopicFilterInvalid : SUBACK_FAILURE_V3;
    }
    const fast = !this.persistent && qos === 0;
    try {
      const old = this.map.get(filter);
      if (fast)
        await this.deps.broker.fastPath(this.link).add(filter, this, (q, key) => this.link.bind(q, key));
      else {
        await this.ensureQueue();
        await this.link.bind(this.queue, filterToBindingKey(filter));
      }
      if (old && old.fast !== fast) await this.unbind(old);
      this.map.set(filter, { filter, qos, fast });
      return qos;
    } catch (err) {
      const denied = isAccessRefused(err);
      this.deps.log.warn(
        { filter, err: (err as Error).message },
        denied ? 'RabbitMQ refused the binding' : 'binding failed',
      );
      if (!v5) return SUBACK_FAILURE_V3;
      return denied ? Reason.NotAuthorized : Reason.UnspecifiedError;
    }
  }

  /** Unsubscribes each filter; returns the v5 UNSUBACK codes. */
  async unsubscribe(p: IUnsubscribePacket): Promise<number[]> {
    const codes: number[] = [];
    for (const filter of p.unsubscriptions) {
      const s = this.map.get(filter);
      if (!s) {
        codes.push(Reason.NoSubscriptionExisted);
        continue;
      }
      this.map.delete(filter);
      await this.unbind(s).catch(() => undefined);
      codes.push(Reason.Success);
    }
    return codes;
  }

  private async unbind(s: Subscription): Promise<void> {
    if (s.fast) await this.deps.broker.fastPath(this.link).remove(s.filter, this);
    else await this.link.unbind(this.queue, filterToBindingKey(s.filter));
  }

  private ensureQueue(): Promise<void> {
    if (!this.queueReady) {
      this.queueReady = this.openQueue();
      this.queueReady.catch(() => (this.queueReady = undefined));
    }
    return this.queueReady;
  }

  private async openQueue(): Promise<void> {
    // A queue left from an earlier session must not leak its bindings or messages into a new one.
    if (!this.queueMayExist) await this.link.deleteQueue(this.queue);
    this.queueMayExist = true;
    await this.link.declareQueue({
      name: this.queue,
      durable: this.persistent,
      expiresMs: this.persistent ? this.expirySeconds * 1000 : CLEAN_QUEUE_EXPIRES_MS,
      quorum: this.persistent && this.deps.config.queueType === 'quorum',
    });
    await this.link.consume(this.queue, this.deps.config.inflightWindow, (d) => this.deliverer.fromQueue(d));
  }

  /** Leaves the fast path; a clean session also deletes its queue. */
  async teardown(): Promise<void> {
    for (const s of this.map.values()) {
      if (s.fast)
        await this.deps.broker
          .fastPath(this.link)
          .remove(s.filter, this)
          .catch(() => undefined);
    }
    if (!this.persistent && this.queueReady) await this.link.deleteQueue(this.queue).catch(() => undefined);
  }
}
