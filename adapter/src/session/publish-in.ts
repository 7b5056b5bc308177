import { isUtf8 } from 'node:buffer';
import type { IPublishPacket } from 'mqtt-packet';
import type { BrokerLink } from '../ports/broker';
import type { MessageProps, Qos2Mark } from '../ports/message';
import { StaleEpochError, type InboundQos2Entry } from '../ports/session-store';
import { MqttError } from '../mqtt/errors';
import { Reason, type ReasonCode } from '../mqtt/reason-codes';
import { topicNameProblem } from '../mqtt/topic';
import { InboundQos2Ids } from './inbound-qos2';
import { ACCEPTED, NO_SUBSCRIBERS, refusal, refusalAnswer, type PublishAnswer } from './publish-answer';
import { PublishOrder } from './publish-order';
import { AnswerOrder } from './answer-order';
import type { Qos2Journal } from './qos2-journal';
import { InboundAliases } from './topic-alias';
import { sendWithReason } from './reason-string';
import type { ClientLimits, Outbound, QoS, SessionDeps } from './types';

/** Topic aliases we accept from a v5 client (announced in CONNACK). */
export const TOPIC_ALIAS_MAXIMUM = 64;

export interface PublisherContext {
  readonly clientId: string;
  readonly protocolVersion: number;
  /** Our Receive Maximum: QoS > 0 PUBLISHes a client may have unacknowledged. */
  readonly window: number;
  readonly limits: Pick<ClientLimits, 'requestProblemInformation'>;
}

/** The answer to a retransmission of a QoS 2 message RabbitMQ already holds. */
const HELD = Promise.resolve(ACCEPTED);

/**
 * Inbound PUBLISH: to the exchange with publisher confirms, acknowledged to the
 * client only once RabbitMQ has answered, in the order received
 * [MQTT-4.6.0-2], with at most `window` unconfirmed at once. QoS 2 ids are kept
 * until PUBREL so a retransmission is not published twice, and a retransmission
 * whose original is unconfirmed gets the original's answer, never an earlier one.
 *
 * In a persistent session a QoS 2 message is recorded as pending, with a
 * token it carries, before it is published, so the replica a client resends
 * it to after a failure knows whether RabbitMQ may hold it: see
 * docs/architecture.md, "QoS 2 across a replica failure".
 */
export class InboundPublisher {
  private pending = 0;
  private readonly answers = new AnswerOrder<PublishAnswer>();
  private windowOpen: (() => void) | undefined;
  /** A publish failure closed the connection; the failures after it have nothing to add. */
  private failed = false;
  /** QoS 2 ids published and not yet released; made on first use, as most clients never use QoS 2. */
  private qos2: InboundQos2Ids<Promise<PublishAnswer>> | undefined;
  private readonly aliases: InboundAliases | undefined;
  private readonly v5: boolean;
  private readonly order = new PublishOrder();

  constructor(
    private readonly deps: SessionDeps,
    private readonly link: BrokerLink,
    private readonly out: Outbound,
    private readonly ctx: PublisherContext,
    private readonly fail: (err: Error) => void,
    /** Where a persistent session records its QoS 2 ids; absent for a session that ends with its connection. */
    private readonly journal: Qos2Journal | undefined,
    /** Whether the client holds a No Local subscription, which needs its publishes marked as its own. */
    private readonly noLocalInUse: () => boolean,
  ) {
    this.v5 = ctx.protocolVersion === 5;
    this.aliases = this.v5 ? new InboundAliases(TOPIC_ALIAS_MAXIMUM) : undefined;
  }

  restore(entries: readonly InboundQos2Entry[]): void {
    if (entries.length > 0) this.qos2Ids().restore(entries);
  }

  private qos2Ids(): InboundQos2Ids<Promise<PublishAnswer>> {
    return (this.qos2 ??= new InboundQos2Ids());
  }

  handle(p: IPublishPacket): void {
    if (this.v5 && p.properties?.subscriptionIdentifier !== undefined) {
      throw new MqttError(
        Reason.ProtocolError,
        'Subscription Identifier in a PUBLISH from the client [MQTT-3.3.4-6]',
      );
    }
    const topic = this.aliases ? this.aliases.resolve(p.topic, p.properties?.topicAlias) : p.topic;
    const problem = topicNameProblem(topic);
    if (problem)
      throw new MqttError(Reason.TopicNameInvalid, `PUBLISH topic is invalid (${problem}) [MQTT-3.3.2-2]`);
    if (p.qos > this.deps.config.maxQos) {
      throw new MqttError(
        Reason.QoSNotSupported,
        `QoS ${p.qos} exceeds the maximum ${this.deps.config.maxQos}`,
      );
    }
    const mark = p.qos === 2 && p.messageId !== undefined ? this.qos2Arrival(p.messageId) : undefined;
    if (mark === 'answered') return;
    if (p.qos > 0) this.admit(p.qos, mark?.resent === true);
    const payload = Buffer.isBuffer(p.payload) ? p.payload : Buffer.from(p.payload);
    const props = this.v5 ? messageProps(p) : undefined;
    if (props?.payloadFormatIndicator && !isUtf8(payload)) {
      this.reject(
        p,
        Reason.PayloadFormatInvalid,
        'payload is not UTF-8 although the format indicator says so',
      );
      return;
    }
    const qos = p.qos;
    this.deps.metrics.published.add(qos);
    // The retained copy is stored only once RabbitMQ has taken the message, so a refused publish retains nothing.
    const publish = (): Promise<boolean> =>
      this.link.publish(topic, payload, qos, (drained) => this.out.pauseReading(drained), {
        retain: p.retain,
        // The publisher's id is only read back for No Local, which only this client's own subscriptions can have.
        ...(this.v5 && this.noLocalInUse() ? { publisher: this.ctx.clientId } : {}),
        props,
        // Only a v5 client can hear "no matching subscribers" (0x10), so only it pays for mandatory publishes.
        mandatory: this.v5,
        ...(mark ? { mark } : {}),
      });
    // A resent copy's record is the original's, already stored as pending.
    const recorded =
      mark && !mark.resent ? this.journal?.pending(p.messageId as number, mark.token) : undefined;
    const published = this.order.run(publish, this.afterBinds(topic, recorded));
    const done = p.retain
      ? published.then(async (routed) => {
          await this.storeRetained(topic, payload, qos, props);
          return routed;
        })
      : published;
    if (qos === 0) {
      // Nothing answers a QoS 0 PUBLISH, so a failure can only close the connection.
      done.catch((err: unknown) => {
        if (isStoreFailure(err)) {
          this.close(err);
          return;
        }
        const { reason, why } = refusal(err);
        this.close(new MqttError(reason, why));
      });
      return;
    }
    this.track(done, p, mark);
  }

  /**
   * A PUBLISH read after a matching SUBSCRIBE of any client of this process
   * goes once that SUBSCRIBE's binds are made (each hold has a deadline), so
   * RabbitMQ routes it to them. Reading pauses meanwhile: what waits stays bounded.
   */
  private afterBinds(topic: string, recorded: Promise<void> | undefined): Promise<void> | undefined {
    const bound = this.deps.pendingBinds.before(topic);
    if (!bound) return recorded;
    this.out.pauseReading(bound);
    return recorded ? Promise.all([bound, recorded]).then(() => undefined) : bound;
  }

  /**
   * Refuses a new QoS > 0 PUBLISH over the client's allowance. A v5 client's
   * Receive Maximum counts a QoS 1 PUBLISH until its PUBACK and a QoS 2 one
   * until its PUBCOMP [MQTT-3.3.4-7]: here, the unanswered publishes and the
   * ids awaiting PUBREL. Both are only freed before the answer goes out, so a
   * client that keeps count never trips it; one that does not hears 0x93
   * (section 3.3.4). A 3.x client has no flow control, so only the QoS 2 ids
   * it leaves unreleased, which the stored session keeps, are capped; it cannot
   * be told why the connection closes. A resend of an id restored as pending
   * holds no new id, so the cap does not refuse it.
   */
  private admit(qos: QoS, resent: boolean): void {
    if (this.v5) {
      const unanswered = this.pending + (this.qos2?.releasing ?? 0);
      if (unanswered < this.ctx.window) return;
      throw new MqttError(
        Reason.ReceiveMaximumExceeded,
        `more than ${this.ctx.window} QoS 1 and 2 PUBLISHes unacknowledged (Receive Maximum) [MQTT-3.3.4-7]`,
      );
    }
    const cap = this.deps.config.maxInflightQos2;
    if (qos === 2 && !resent && (this.qos2?.held ?? 0) >= cap) {
      throw new MqttError(
        Reason.ReceiveMaximumExceeded,
        `more than ${cap} QoS 2 PUBLISHes awaiting PUBREL (MQTT_ADAPTER_MAX_INFLIGHT_QOS2)`,
      );
    }
  }

  /**
   * A QoS 2 PUBLISH with an id that has not been released is the same message
   * again: answered with PUBREC, in order, and not published [MQTT-4.3.3-10].
   * While its original is unconfirmed it waits for the original's answer, as
   * a PUBREC says the message is ours [MQTT-4.3.3-8] and RabbitMQ may yet refuse it.
   * Otherwise it is to be published, with the mark returned (none when the
   * session keeps no records): a new token, or the token of an id restored
   * as pending, flagged as a copy, whether the client set DUP or not.
   */
  private qos2Arrival(id: number): Qos2Mark | 'answered' | undefined {
    const arrival = this.qos2?.arrival(id) ?? { kind: 'new' };
    if (arrival.kind === 'unconfirmed' || arrival.kind === 'received') {
      this.inOrder(arrival.kind === 'received' ? HELD : arrival.answer, (a) => {
        // A failure that closes the connection was the original's to act on.
        if (!('close' in a)) this.answer('pubrec', id, a);
      });
      return 'answered';
    }
    if (!this.journal) return undefined;
    // Until its PUBREL, a PUBLISH with the id is the same message again, with DUP or not: mqtt.js, for
    // one, resends without it. It must not reach subscribers twice [MQTT-4.3.3-9], so it goes as a copy.
    if (arrival.kind === 'pending') return { token: arrival.token, resent: true };
    return { token: this.journal.token(), resent: false };
  }

  /** v5 answers a bad QoS > 0 message in its ack; a bad QoS 0 one costs the connection. */
  private reject(p: IPublishPacket, reason: ReasonCode, why: string): void {
    if (p.qos === 0 || p.messageId === undefined) throw new MqttError(reason, why);
    const id = p.messageId;
    this.inOrder(Promise.resolve({ reason, why }), (a) =>
      this.answer(p.qos === 2 ? 'pubrec' : 'puback', id, a),
    );
  }

  private track(done: Promise<boolean>, p: IPublishPacket, mark: Qos2Mark | undefined): void {
    const id = p.messageId as number;
    const qos2 = p.qos === 2;
    const answered = done.then(
      (routed) => (routed ? ACCEPTED : NO_SUBSCRIBERS),
      (err: unknown) => (isStoreFailure(err) ? { close: err } : refusalAnswer(err, this.v5)),
    );
    if (qos2) this.qos2Ids().publishing(id, answered, mark?.token);
    this.pending++;
    // A v5 client is bound by our Receive Maximum: reading on lets `admit` see the PUBLISH past it and
    // answer 0x93, where a pause would leave that client waiting with its PINGREQs unread. A 3.x client
    // has no such bound, so its socket waits for room. One pause at a time: publishes parsed from the
    // same chunk after the window closed must not replace the resolver of the pause in force, or
    // reading would never resume.
    if (!this.v5 && this.pending >= this.ctx.window && !this.windowOpen) {
      this.out.pauseReading(new Promise<void>((resolve) => (this.windowOpen = resolve)));
    }
    this.inOrder(answered, (a) => {
      if (qos2) this.settleQos2(id, a);
      this.settled();
      this.answer(qos2 ? 'pubrec' : 'puback', id, a);
    });
  }

  /** Runs `send` with the answer once every earlier PUBLISH was answered [MQTT-4.6.0-2]. */
  private inOrder(answer: Promise<PublishAnswer>, send: (a: PublishAnswer) => void): void {
    this.answers.add(answer, send);
  }

  /**
   * A confirmed id awaits PUBREL. A refused one is free: after a PUBREC of 0x80
   * or more the id starts a new message [MQTT-4.3.3-9], and a v3 client resends
   * it after the closed connection with an id the stored session must not hold.
   */
  private settleQos2(id: number, a: PublishAnswer): void {
    const qos2 = this.qos2Ids();
    if ('close' in a || a.reason >= Reason.UnspecifiedError) {
      qos2.refused(id);
      // Unanswered, the pending record stays: the resend after the closed connection is published again.
      if (!('close' in a)) this.record(this.journal?.remove(id));
      return;
    }
    const token = qos2.confirmed(id);
    // Not awaited: until it lands, a resend after a failure is published again flagged as a copy,
    // which subscribers that delivered the original drop.
    if (token !== undefined) this.record(this.journal?.received(id, token));
  }

  /** A record write no answer waits for: its failure closes the connection, so the client resends. */
  private record(write: Promise<void> | undefined): void {
    write?.catch((err: unknown) => this.close(err as Error));
  }

  private answer(cmd: 'puback' | 'pubrec', messageId: number, a: PublishAnswer): void {
    if ('close' in a) {
      this.close(a.close);
      return;
    }
    if (a.why !== undefined) this.deps.log.info({ reason: a.reason, err: a.why }, 'PUBLISH refused');
    const failed = this.v5 && a.reason >= Reason.UnspecifiedError;
    sendWithReason(
      this.out,
      a.reason === Reason.Success ? { cmd, messageId } : { cmd, messageId, reasonCode: a.reason },
      failed ? a.why : undefined,
      this.ctx.limits.requestProblemInformation,
    );
  }

  private close(err: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.fail(err);
  }

  /**
   * PUBREL: the QoS 2 id may be reused; answer PUBCOMP [MQTT-4.3.3-11]. A
   * recorded id is removed first: the client reuses the id after PUBCOMP, and a
   * record left behind would make a resumed session take the new message for
   * the old one and not publish it.
   */
  released(messageId: number): void {
    const known = this.qos2?.release(messageId) ?? false;
    const pubcomp = (): void => {
      this.out.send(
        known || !this.v5
          ? { cmd: 'pubcomp', messageId }
          : { cmd: 'pubcomp', messageId, reasonCode: Reason.PacketIdentifierNotFound },
      );
    };
    if (!known || !this.journal) {
      pubcomp();
      return;
    }
    this.journal.remove(messageId).then(pubcomp, (err: unknown) => this.close(err as Error));
  }

  private settled(): void {
    this.pending--;
    if (this.pending < this.ctx.window && this.windowOpen) {
      this.windowOpen();
      this.windowOpen = undefined;
    }
  }

  private async storeRetained(
    topic: string,
    payload: Buffer,
    qos: QoS,
    props: MessageProps | undefined,
  ): Promise<void> {
    // The store clears the topic for a zero-length payload [MQTT-3.3.1-10].
    const expiry = props?.messageExpiryInterval;
    await this.deps.retained.set({
      topic,
      payload,
      qos,
      ...(props ? { props } : {}),
      ...(expiry !== undefined ? { expiresAt: Date.now() + expiry * 1000 } : {}),
    });
  }

  /** Resolves once every publish so far is confirmed or failed (used by drain). */
  settledAll(): Promise<void> {
    return this.answers.settled();
  }
}

/** The PUBLISH properties that travel with the message; the topic alias stays on this hop. */
function messageProps(p: IPublishPacket): MessageProps | undefined {
  if (!p.properties) return undefined;
  const { topicAlias: _alias, subscriptionIdentifier: _ids, ...props } = p.properties;
  return props;
}

/** A record write failed: the store is away (the connection closes), or another connection owns the client id. */
function isStoreFailure(err: unknown): err is MqttError | StaleEpochError {
  return err instanceof StaleEpochError || err instanceof MqttError;
}
