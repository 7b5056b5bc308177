import type { IPublishPacket } from 'mqtt-packet';
import type { ClientLink } from '../amqp/client-link';
import { isAccessRefused } from '../amqp/errors';
import { isUtf8, type MessageProps } from '../amqp/properties';
import { MqttError } from '../mqtt/errors';
import { Reason, type ReasonCode } from '../mqtt/reason-codes';
import { topicNameProblem } from '../mqtt/topic';
import { InboundAliases } from './topic-alias';
import type { Outbound, QoS, SessionDeps } from './types';

/** Topic aliases we accept from a v5 client (announced in CONNACK). */
export const TOPIC_ALIAS_MAXIMUM = 64;

export interface PublisherContext {
  readonly clientId: string;
  readonly protocolVersion: number;
  /** Our Receive Maximum: QoS > 0 PUBLISHes a client may have unacknowledged. */
  readonly window: number;
}

/**
 * Inbound PUBLISH: to the exchange with publisher confirms, acknowledged to the
 * client only once RabbitMQ has confirmed, in the order received
 * [MQTT-4.6.0-2], with at most `window` unconfirmed at once. QoS 2 ids are kept
 * until PUBREL so a retransmission is not published twice.
 */
export class InboundPublisher {
  private pending = 0;
  private acks: Promise<void> = Promise.resolve();
  private windowOpen: (() => void) | undefined;
  /** QoS 2 ids published and not yet released; made on first use, as most clients never use QoS 2. */
  private awaitingRel: Set<number> | undefined;
  private readonly aliases: InboundAliases | undefined;
  private readonly v5: boolean;

  constructor(
    private readonly deps: SessionDeps,
    private readonly link: ClientLink,
    private readonly out: Outbound,
    private readonly ctx: PublisherContext,
    private readonly fail: (err: MqttError) => void,
    /** The QoS 2 state changed and should be persisted. */
    private readonly qos2Changed: () => void,
    /** Whether the client holds a No Local subscription, which needs its publishes marked as its own. */
    private readonly noLocalInUse: () => boolean,
  ) {
    this.v5 = ctx.protocolVersion === 5;
    this.aliases = this.v5 ? new InboundAliases(TOPIC_ALIAS_MAXIMUM) : undefined;
  }

  restore(ids: readonly number[]): void {
    for (const id of ids) (this.awaitingRel ??= new Set()).add(id);
  }

  awaitingRelease(): number[] {
    return [...(this.awaitingRel ?? [])];
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
    if (p.qos === 2 && p.messageId !== undefined && this.awaitingRel?.has(p.messageId)) {
      // A retransmission of a QoS 2 message we already published [MQTT-4.3.3-9].
      this.out.send({ cmd: 'pubrec', messageId: p.messageId });
      return;
    }
    if (this.v5 && p.qos > 0 && this.pending >= this.ctx.window) {
      throw new MqttError(
        Reason.ReceiveMaximumExceeded,
        `more than ${this.ctx.window} unacknowledged QoS>0 PUBLISHes`,
      );
    }
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
    const published = this.link.publish(topic, payload, qos, (drained) => this.out.pauseReading(drained), {
      retain: p.retain,
      // The publisher's id is only read back for No Local, which only this client's own subscriptions can have.
      ...(this.v5 && this.noLocalInUse() ? { publisher: this.ctx.clientId } : {}),
      props,
      // Only a v5 client can hear "no matching subscribers" (0x10), so only it pays for mandatory publishes.
      mandatory: this.v5,
    });
    const done = p.retain
      ? published.then(async (routed) => {
          await this.storeRetained(topic, payload, qos, props);
          return routed;
        })
      : published;
    if (qos === 0) {
      done.catch((err: unknown) => this.refused(err, undefined));
      return;
    }
    this.track(done, p);
  }

  /** v5 answers a bad QoS > 0 message in its ack; a bad QoS 0 one costs the connection. */
  private reject(p: IPublishPacket, reason: number, message: string): void {
    if (p.qos === 0 || p.messageId === undefined) throw new MqttError(reason as ReasonCode, message);
    this.deps.log.info({ reason, err: message }, 'PUBLISH refused');
    this.out.send({ cmd: p.qos === 2 ? 'pubrec' : 'puback', messageId: p.messageId, reasonCode: reason });
  }

  private track(done: Promise<boolean>, p: IPublishPacket): void {
    const id = p.messageId as number;
    if (p.qos === 2) (this.awaitingRel ??= new Set()).add(id);
    this.pending++;
    // One pause at a time: publishes parsed from the same chunk after the window closed must not replace
    // the resolver of the pause in force, or reading would never resume.
    if (this.pending >= this.ctx.window && !this.windowOpen) {
      this.out.pauseReading(new Promise<void>((resolve) => (this.windowOpen = resolve)));
    }
    const previous = this.acks;
    this.acks = done.then(
      async (routed) => {
        await previous;
        if (p.qos === 2) this.qos2Changed();
        const cmd = p.qos === 2 ? 'pubrec' : 'puback';
        // [MQTT-3.4.2.1] 0x10: accepted, but no queue (so no subscriber) took it.
        this.out.send(
          routed ? { cmd, messageId: id } : { cmd, messageId: id, reasonCode: Reason.NoMatchingSubscribers },
        );
        this.settled();
      },
      async (err: unknown) => {
        await previous;
        this.awaitingRel?.delete(id);
        this.settled();
        this.refused(err, p);
      },
    );
  }

  /** PUBREL: the QoS 2 id may be reused; answer PUBCOMP [MQTT-4.3.3-11]. */
  released(messageId: number): void {
    const known = this.awaitingRel?.delete(messageId) ?? false;
    if (known) this.qos2Changed();
    this.out.send(
      known || !this.v5
        ? { cmd: 'pubcomp', messageId }
        : { cmd: 'pubcomp', messageId, reasonCode: Reason.PacketIdentifierNotFound },
    );
  }

  private settled(): void {
    this.pending--;
    if (this.pending < this.ctx.window && this.windowOpen) {
      this.windowOpen();
      this.windowOpen = undefined;
    }
  }

  private refused(err: unknown, p: IPublishPacket | undefined): void {
    const denied = isAccessRefused(err);
    if (denied && this.v5 && p?.messageId !== undefined) {
      this.out.send({
        cmd: p.qos === 2 ? 'pubrec' : 'puback',
        messageId: p.messageId,
        reasonCode: Reason.NotAuthorized,
      });
      return;
    }
    this.fail(
      new MqttError(
        denied ? Reason.NotAuthorized : Reason.ServerUnavailable,
        denied ? 'RabbitMQ refused the publish' : `publish failed: ${(err as Error).message}`,
      ),
    );
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
    return this.acks;
  }
}

/** The PUBLISH properties that travel with the message; the topic alias stays on this hop. */
function messageProps(p: IPublishPacket): MessageProps | undefined {
  if (!p.properties) return undefined;
  const { topicAlias: _alias, subscriptionIdentifier: _ids, ...props } = p.properties;
  return props;
}
