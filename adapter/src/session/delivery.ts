import type { IPublishPacket } from 'mqtt-packet';
import { PacketIdAllocator } from '../mqtt/packet-ids';
import { topicMatches, topicNameProblem } from '../mqtt/topic';
import type { Delivery, MessageProps } from '../ports/message';
import type { ClientLimits, Outbound, QoS, Subscription } from './types';
import type { Metrics } from '../observability/metrics';
import { parseShared } from './shared';
import { queueNameFor } from './subscriptions';
import { RECENT_TOKENS, RecentTokens } from './recent-tokens';
import { ResendIds, resendKey } from './resend-ids';
import { Requeued } from './requeued';
import { RecentAcks } from './recent-acks';
import type { OutboundUnacked, RecentToken } from '../ports/session-store';
import { OutboundAliases } from './topic-alias';

interface InFlight {
  readonly qos: QoS;
  /** The AMQP delivery to ack; absent for retained messages sent from the store. */
  ack?: () => void;
  /** PUBACK or PUBCOMP came in, or a failed PUBREC: the client is done with it. */
  settled?: boolean;
  /** Its consumers moved, and its message is awaited back from the queue (consumersMoved). */
  awaited?: boolean;
  /** QoS 2: PUBREC received, PUBREL sent, waiting for PUBCOMP. */
  released: boolean;
  /** QoS 2: PUBREC received, the pending PUBREL being stored; PUBREL not sent yet. */
  storing?: boolean;
  /** Where a queued message came from, so a closing session can say which PUBLISH went out under this id. */
  readonly from?: { readonly queue: string; readonly d: Delivery };
}

/** A message held back for the Receive Maximum; `from` its queue, where it came from unacked. */
interface Held {
  readonly send: () => void;
  readonly from: InFlight['from'];
  /** The id it is to go out under again, reserved. */
  readonly again: number | undefined;
}

/** A QoS 0 message from a queue, sent, whose ack waits for the socket to drain. */
interface Draining {
  readonly queue: string;
  readonly d: Delivery;
}

/** What the matching subscriptions of one client make of one message. */
export interface Grant {
  readonly qos: QoS;
  readonly retainAsPublished: boolean;
  readonly subscriptionIds: number[];
}

/**
 * The subscriptions of a client matching a topic, folded into one delivery:
 * the highest granted QoS (overlapping subscriptions deliver once), every
 * Subscription Identifier, and No Local applied [MQTT-3.8.3-3].
 */
export function grantFor(
  subs: Iterable<Subscription>,
  topic: string,
  fromSelf: boolean,
  include: (s: Subscription) => boolean,
): Grant | undefined {
  // An AMQP routing key need not be an MQTT topic name (empty, with `+`, `#` or NUL); such a message
  // cannot be sent to an MQTT client at all [MQTT-3.3.2-2] [MQTT-4.7.3-1], so nothing grants it.
  if (topicNameProblem(topic)) return undefined;
  let qos: QoS | undefined;
  let rap = false;
  const ids: number[] = [];
  for (const s of subs) {
    if (!include(s) || (fromSelf && s.noLocal) || !topicMatches(matchFilter(s), topic)) continue;
    if (qos === undefined || s.qos > qos) qos = s.qos;
    if (s.retainAsPublished) rap = true;
    if (s.subscriptionId !== undefined && !ids.includes(s.subscriptionId)) ids.push(s.subscriptionId);
  }
  return qos === undefined ? undefined : { qos, retainAsPublished: rap, subscriptionIds: ids };
}

/** The filter a subscription matches topics with: a shared one's without `$share/<group>/` [MQTT-4.8.2-1]. */
function matchFilter(s: Subscription): string {
  const shared = s.shareQueue ? parseShared(s.filter) : undefined;
  return shared && shared !== 'invalid' ? shared.filter : s.filter;
}

/** `g` with the Subscription Identifiers and Retain As Published of `extra` added. */
function withGrant(g: Grant, extra: Grant | undefined): Grant {
  if (!extra) return g;
  const ids = [...g.subscriptionIds];
  for (const id of extra.subscriptionIds) if (!ids.includes(id)) ids.push(id);
  return {
    qos: g.qos,
    retainAsPublished: g.retainAsPublished || extra.retainAsPublished,
    subscriptionIds: ids,
  };
}

/**
 * Outbound messages to one client: picks the QoS each goes out at, assigns
 * packet ids, and acks the AMQP delivery only once the client has taken
 * responsibility for it (PUBACK, or PUBREC at QoS 2), so a dropped connection
 * requeues it.
 */
export class Deliverer {
  private readonly ids = new PacketIdAllocator();
  private readonly inflight = new Map<number, InFlight>();
  private readonly aliases: OutboundAliases | undefined;
  /** The client's Receive Maximum: QoS > 0 PUBLISHes it may have unacknowledged [MQTT-3.3.4-9]. */
  private readonly receiveMaximum: number;
  /** QoS > 0 messages held back until a PUBACK or PUBCOMP makes room (several queues' prefetches can add up past it). */
  private waiting: Held[] = [];
  /** QoS 0 messages from a queue, sent and acked only once the socket drains; made when a socket first congests. */
  private draining: Set<Draining> | undefined;
  /** Messages sent and not acked when the consumers moved to a new channel, awaiting their redelivery. */
  private moved: Requeued<InFlight> | undefined;
  /** Made on the first ack of a message from the client's own queue. */
  private recentAcks: RecentAcks | undefined;
  /** The client's own queue: named after the client id, or a ready queue a clean session took (ownQueueIs). */
  private ownQueue: string;
  /**
   * Told after each PUBACK or PUBCOMP, once the messages held back above have had their turn; made
   * when a retained stream first waits for room, as an idle session holds one Deliverer each.
   */
  private freed: Set<() => void> | undefined;
  /** Made on the first marked delivery: most sessions never get a QoS 2 message. */
  private recent: RecentTokens | undefined;
  /** Tokens the session's last connection met, until the first marked message makes `recent`. */
  private handedOn: readonly RecentToken[] = [];
  /** Ids a resumed session awaits its requeued messages under. */
  private resends: ResendIds | undefined;

  constructor(
    private readonly out: Outbound,
    private readonly clientId: string,
    private readonly subscriptions: () => Iterable<Subscription>,
    private readonly ack: (deliveryTag: number, queue: string) => void,
    private readonly metrics: Metrics,
    private readonly v5: boolean,
    limits: ClientLimits,
    /** Called when the set of QoS 2 ids awaiting PUBCOMP changes, so it can be persisted; true once it is. */
    private readonly onReleasesChanged: () => Promise<boolean>,
  ) {
    this.aliases =
      v5 && limits.topicAliasMaximum > 0 ? new OutboundAliases(limits.topicAliasMaximum) : undefined;
    this.receiveMaximum = limits.receiveMaximum;
    this.ownQueue = queueNameFor(clientId);
  }

  /** The client's own queue is `queue`, not the one named after its client id: a ready queue it took. */
  ownQueueIs(queue: string): void {
    this.ownQueue = queue;
  }

  get inFlight(): number {
    return this.inflight.size;
  }

  /** Calls `fn` after every PUBACK or PUBCOMP until the returned function is called. */
  onFreed(fn: () => void): () => void {
    const freed = (this.freed ??= new Set());
    freed.add(fn);
    return () => void freed.delete(fn);
  }

  /**
   * QoS 2 packet ids whose PUBREL is out and whose PUBCOMP is not yet in; with
   * `sentOnly` false, also those whose PUBREL waits for this very list to be stored.
   */
  pendingReleases(sentOnly = false): number[] {
    return [...this.inflight].filter(([, f]) => f.released && !(sentOnly && f.storing)).map(([id]) => id);
  }

  /** A resumed session's pending PUBRELs go out again, on whatever replica [MQTT-4.4.0-1]. */
  resendReleases(ids: readonly number[]): void {
    for (const id of ids) {
      this.ids.reserve(id);
      this.inflight.set(id, { qos: 2, released: true });
      this.out.send({ cmd: 'pubrel', messageId: id });
    }
  }

  /**
   * The PUBLISHes out and unacknowledged as the connection closes, whose
   * messages go back to their queues: a PUBREC whose PUBREL was still being
   * stored counts too, as its message is not acked either. Those released
   * are named as well (when they carry a QoS 2 token), in case their ack was lost.
   */
  unacked(): OutboundUnacked[] {
    const out = this.outbound((f, d) => {
      const released = f.released && !f.storing;
      // Two messages alike in topic and payload share a digest: dropping one as "released" could drop the
      // other, never sent, so only a token (unique per message) names a released one.
      if (released && !d.mark) return undefined;
      return released ? 'released' : 'unacked';
    });
    // Awaited ids whose message has not come back yet stay awaited across the next connection too.
    return [...out, ...(this.resends?.entries() ?? [])];
  }

  /**
   * The released QoS 2 messages that carry a token, for the state a live
   * session stores each time its pending PUBRELs change. Each one's ack to
   * RabbitMQ follows that very write, so a replica that dies between the two
   * (a SIGKILL stores nothing at close) leaves its message to come back to the
   * session's next connection, on any replica, which must drop it: the client
   * owns it and gets its PUBREL again [MQTT-4.3.3]. A closing session names
   * them through unacked() instead.
   */
  releasedMarked(): OutboundUnacked[] {
    return this.outbound((f, d) => (f.released && d.mark ? 'released' : undefined));
  }

  /** The in-flight PUBLISHes that came from a queue, each named as `kind` says or left out. */
  private outbound(
    kind: (f: InFlight, d: Delivery) => 'released' | 'unacked' | undefined,
  ): OutboundUnacked[] {
    const out: OutboundUnacked[] = [];
    for (const [id, f] of this.inflight) {
      if (!f.from) continue;
      const k = kind(f, f.from.d);
      if (k === undefined) continue;
      out.push({
        id,
        queue: f.from.queue,
        key: resendKey(f.from.d),
        ...(k === 'released' ? { released: true } : {}),
      });
    }
    return out;
  }

  /** The tokens this connection met last, for the session's next one. */
  recentTokens(): RecentToken[] {
    return this.recent?.newest() ?? [...this.handedOn];
  }

  /** Tokens the session's last connection met (see recentTokens). */
  rememberTokens(tokens: readonly RecentToken[]): void {
    this.handedOn = tokens;
  }

  /**
   * A resumed session's unacknowledged PUBLISHes: their ids wait for their
   * messages [MQTT-4.4.0-1], for at least `holdMs` whatever else comes first.
   */
  awaitResends(entries: readonly OutboundUnacked[], holdMs = 0): void {
    if (entries.length === 0) return;
    this.resends = new ResendIds(entries, Date.now() + holdMs);
    for (const id of this.resends.ids()) this.ids.reserve(id);
  }

  /**
   * The client's consumers moved to a new channel (RabbitMQ closed theirs over
   * another client's refused consume), and every delivery not acked on the old
   * one comes back redelivered. Those the client has, sent and not yet
   * acknowledged or acknowledged since, are recognised on their way back and
   * neither sent again nor lost: a PUBACK then acks the new delivery. Those
   * held back for the Receive Maximum were never sent and go out as they come
   * back. An ack sent just as RabbitMQ closed the channel may be lost with it,
   * and its message comes back: the newest acks of the client's own queue
   * (RecentAcks) are recognised too, and dropped. Held-back messages alike in
   * topic and payload keep those from being dropped, as they were never sent.
   */
  consumersMoved(): void {
    // A move before the last one's messages are all back keeps awaiting those too.
    const moved = this.moved ?? new Requeued<InFlight>();
    const held = new Set(this.waiting.flatMap((h) => (h.from ? [resendKey(h.from.d)] : [])));
    for (const d of this.recentAcks?.take(Date.now()) ?? []) {
      const key = resendKey(d);
      if (!held.has(key)) moved.add(this.ownQueue, key, { qos: d.qos, released: false, settled: true });
    }
    for (const f of this.inflight.values()) {
      if (!f.from || (f.released && !f.storing) || f.awaited) continue;
      f.ack = undefined;
      f.awaited = true;
      moved.add(f.from.queue, resendKey(f.from.d), f);
    }
    for (const q0 of this.draining ?? [])
      moved.add(q0.queue, resendKey(q0.d), { qos: 0, released: false, settled: true });
    this.draining?.clear();
    this.waiting = this.waiting.filter((h) => {
      if (h.from) this.unreserve(h.again);
      return !h.from;
    });
    this.moved = moved.empty ? undefined : moved;
  }

  /** A redelivery after consumersMoved of a message the client has: true once it is taken care of. */
  private adopted(d: Delivery, queue: string, done: () => void): boolean {
    if (!this.moved) return false;
    const { hit } = this.moved.claim(queue, d);
    if (this.moved.empty) this.moved = undefined;
    if (!hit) return false;
    hit.awaited = false;
    if (hit.settled || (hit.released && !hit.storing)) done();
    else hit.ack = done;
    return true;
  }

  /** A message from one of the client's queues (its own, or a shared group's). */
  fromQueue(d: Delivery, queue: string): void {
    const done = (): void => {
      this.ack(d.deliveryTag, queue);
      if (queue === this.ownQueue)
        (this.recentAcks ??= new RecentAcks(this.receiveMaximum)).add(d, Date.now());
    };
    if (this.adopted(d, queue, done)) return;
    const again = this.resendId(d, queue);
    if (again === 'released') {
      // Its ack was lost with a connection: the client has it and its PUBREL is pending [MQTT-4.3.3].
      this.metrics.qos2DuplicatesDropped.inc();
      done();
      return;
    }
    if (d.mark && again === undefined && d.redelivered && this.redeliveredOwned(d.mark.token, queue, done))
      return;
    if (d.mark && (this.recent ??= new RecentTokens(RECENT_TOKENS, this.handedOn)).duplicate(queue, d.mark)) {
      this.metrics.qos2DuplicatesDropped.inc();
      this.unreserve(again);
      done();
      return;
    }
    const fromSelf = d.publisher === this.clientId;
    const queued = d.expired
      ? undefined
      : grantFor(this.subscriptions(), d.topic, fromSelf, (s) => this.fromThisQueue(s, queue));
    // Matching fast-path subscriptions leave such a message to the client's queue (see fromFastPath),
    // so the one copy sent carries their Subscription Identifiers too [MQTT-3.3.4-5].
    const g =
      queued && queue === this.ownQueue
        ? withGrant(
            queued,
            grantFor(this.subscriptions(), d.topic, fromSelf, (s) => s.fast),
          )
        : queued;
    if (g === undefined) {
      this.unreserve(again);
      done();
      return;
    }
    const qos = Math.min(g.qos, d.qos) as QoS;
    const retain = g.retainAsPublished && d.retain;
    if (qos === 0) {
      this.unreserve(again);
      this.send(d, 0, retain, false, g);
      // Acking QoS 0 deliveries only once the socket drains keeps what we buffer bounded by the prefetch.
      if (this.out.congested) {
        const q0: Draining = { queue, d };
        const draining = (this.draining ??= new Set());
        draining.add(q0);
        void this.out.drained().then(() => draining.delete(q0) && done());
      } else done();
      return;
    }
    this.sendTracked(d, qos, retain, d.redelivered, g, done, { queue, d }, again);
  }

  /**
   * A QoS 2 message RabbitMQ hands out again on a consumer that is still
   * there: a quorum queue whose leader failed over may return what it had
   * handed out, and an ack sent to the old leader may be lost with it. Its
   * token says whether this session sent it already. Still awaiting its
   * PUBREC, the message keeps its packet id and its PUBREC acks this delivery;
   * released or completed, the client owns it and this delivery is acked and
   * dropped [MQTT-4.3.3]. True when taken care of.
   */
  private redeliveredOwned(token: string, queue: string, done: () => void): boolean {
    if (!(this.recent ??= new RecentTokens(RECENT_TOKENS, this.handedOn)).seen(queue, token)) return false;
    for (const f of this.inflight.values()) {
      if (f.from?.queue !== queue || f.from.d.mark?.token !== token) continue;
      // Sent and awaiting PUBREC, or its PUBREL still being stored: this delivery is acked with it,
      // and so is the first, whose tag the channel still holds.
      if (!f.released || f.storing) {
        const first = f.ack;
        f.ack = () => {
          first?.();
          done();
        };
        return true;
      }
    }
    this.metrics.qos2DuplicatesDropped.inc();
    done();
    return true;
  }

  /** Frees the id a requeued delivery was awaited under, when it is not sent under it after all. */
  private unreserve(again: number | undefined): void {
    if (again !== undefined) this.ids.release(again);
  }

  /** The id a requeued delivery went out under before, still reserved; frees the ids no longer awaited. */
  private resendId(d: Delivery, queue: string): number | 'released' | undefined {
    if (!this.resends) return undefined;
    const { id, released, givenUp } = this.resends.claim(queue, d);
    for (const lost of givenUp) this.ids.release(lost);
    if (this.resends.empty) this.resends = undefined;
    return released ? 'released' : id;
  }

  private fromThisQueue(s: Subscription, queue: string): boolean {
    // A group's queue serves only its shared subscription; the client's own queue the other queue-bound ones.
    return s.shareQueue ? s.shareQueue === queue : !s.fast && queue === this.ownQueue;
  }

  /** A message from the QoS 0 fast path; dropped, and counted, when the client is congested. */
  fromFastPath(d: Delivery): void {
    if (d.expired) return;
    const fromSelf = d.publisher === this.clientId;
    // A queue-bound subscription that also matches delivers it (at its higher QoS) instead.
    if (grantFor(this.subscriptions(), d.topic, fromSelf, (s) => !s.fast && !s.shareQueue) !== undefined)
      return;
    const g = grantFor(this.subscriptions(), d.topic, fromSelf, (s) => s.fast);
    if (g === undefined) return;
    if (this.out.congested) {
      this.metrics.qos0Dropped.inc();
      return;
    }
    this.send(d, 0, g.retainAsPublished && d.retain, false, g);
  }

  /** A retained message sent on subscribe, with the retain flag [MQTT-3.3.1-8]. */
  retained(
    stored: { topic: string; payload: Buffer; qos: QoS; props?: MessageProps; expiresAt?: number },
    qos: QoS,
    subscriptionId?: number,
  ): void {
    // An expired retained message is not sent; a live one carries its remaining lifetime [MQTT-3.3.2-5] [MQTT-3.3.2-6].
    let m = stored;
    if (stored.expiresAt !== undefined) {
      const left = Math.ceil((stored.expiresAt - Date.now()) / 1000);
      if (left <= 0) return;
      m = { ...stored, props: { ...stored.props, messageExpiryInterval: left } };
    }
    const g: Grant = {
      qos,
      retainAsPublished: true,
      subscriptionIds: subscriptionId === undefined ? [] : [subscriptionId],
    };
    if (qos === 0) this.send(m, 0, true, false, g);
    else this.sendTracked(m, qos, true, false, g, undefined, undefined, undefined);
  }

  /** PUBACK, or PUBCOMP at QoS 2. */
  acknowledged(messageId: number): void {
    const f = this.inflight.get(messageId);
    if (!f) return;
    this.inflight.delete(messageId);
    this.ids.release(messageId);
    f.settled = true;
    f.ack?.();
    if (f.released) void this.onReleasesChanged();
    this.waiting.shift()?.send();
    if (this.freed?.size) for (const fn of [...this.freed]) fn();
  }

  /**
   * PUBREC: the client owns the QoS 2 message now. Once the pending PUBREL is
   * stored, PUBREL goes out and the AMQP delivery is acked, so a resumed session
   * (on any replica) resends that PUBREL rather than the message. If the
   * connection closes before the store write lands (a crash, Redis failing
   * over), neither happens: the message comes back from the queue, and a client
   * that delivers on PUBREL has it once, not never (acked too early) nor twice
   * (released too early; so the state a closing session stores leaves it out).
   */
  received(messageId: number, reasonCode: number | undefined): void {
    const f = this.inflight.get(messageId);
    if (!f || f.qos !== 2) return;
    if (reasonCode !== undefined && reasonCode >= 0x80) {
      f.ack?.();
      f.ack = undefined;
      // [MQTT-4.3.3-4] a failed PUBREC ends the exchange; the id is free again.
      this.acknowledged(messageId);
      return;
    }
    // Changed in place: a move of the consumers may hold this very entry, awaiting its message back.
    f.released = true;
    f.storing = true;
    void this.onReleasesChanged().then((stored) => {
      if (!stored) return;
      f.storing = false;
      this.out.send({ cmd: 'pubrel', messageId });
      f.ack?.();
      f.ack = undefined;
    });
  }

  private sendTracked(
    m: { topic: string; payload: Buffer; props?: MessageProps },
    qos: QoS,
    retain: boolean,
    dup: boolean,
    g: Grant,
    ack: (() => void) | undefined,
    from: InFlight['from'],
    again: number | undefined,
  ): void {
    if (this.inflight.size >= this.receiveMaximum) {
      this.waiting.push({
        send: () => this.sendTracked(m, qos, retain, dup, g, ack, from, again),
        from,
        again,
      });
      return;
    }
    const id = again ?? this.ids.allocate();
    if (id === undefined) return; // 65535 unacked: the Receive Maximum makes this unreachable
    this.inflight.set(id, { qos, ack, released: false, from });
    if (!this.send(m, qos, retain, dup, g, id)) {
      // Too large for the client [MQTT-3.1.2-25]: the message is discarded, as if acknowledged.
      this.acknowledged(id);
    }
  }

  private send(
    m: { topic: string; payload: Buffer; props?: MessageProps },
    qos: QoS,
    retain: boolean,
    dup: boolean,
    g: Grant,
    messageId?: number,
  ): boolean {
    const packet: IPublishPacket = {
      cmd: 'publish',
      topic: m.topic,
      payload: m.payload,
      qos,
      retain,
      dup,
      messageId,
    };
    if (this.v5) {
      const properties: NonNullable<IPublishPacket['properties']> = { ...m.props };
      if (g.subscriptionIds.length > 0) {
        properties.subscriptionIdentifier =
          g.subscriptionIds.length === 1 ? g.subscriptionIds[0] : g.subscriptionIds;
      }
      const alias = this.aliases?.lookup(m.topic);
      if (alias) {
        properties.topicAlias = alias.alias;
        if (alias.known) packet.topic = '';
      }
      packet.properties = properties;
    }
    const sent = this.out.send(packet);
    // A new alias rides on its first PUBLISH; one that was too large to send taught the client nothing.
    if (!sent && packet.properties?.topicAlias !== undefined && packet.topic !== '')
      this.aliases?.forget(m.topic);
    if (sent) this.metrics.delivered.add(qos);
    else this.metrics.qos0Dropped.inc();
    return sent;
  }
}
