import type { IPublishPacket } from 'mqtt-packet';
import type { ClientLink } from '../amqp/client-link';
import { isAccessRefused } from '../amqp/errors';
import { MqttError } from '../mqtt/errors';
import { Reason } from '../mqtt/reason-codes';
import { topicNameProblem } from '../mqtt/topic';
import type { Outbound, QoS, SessionDeps } from './types';

/**
 * Inbound PUBLISH: to the exchange with publisher confirms, acknowledged to the
 * client only once RabbitMQ has confirmed, in the order received
 * [MQTT-4.6.0-2], with at most `inflightWindow` unconfirmed at once.
 */
export class InboundPublisher {
  private pending = 0;
  private acks: Promise<void> = Promise.resolve();
  private windowOpen: (() => void) | undefined;
  /** QoS 2 packet ids published and awaiting PUBREL, so a retransmission is not published twice. */
  private readonly awaitingRel = new Set<number>();

  constructor(
    private readonly deps: SessionDeps,
    private readonly link: ClientLink,
    private readonly out: Outbound,
    private readonly protocolVersion: number,
    private readonly fail: (err: MqttError) => void,
  ) {}

  handle(p: IPublishPacket): void {
    const problem = topicNameProblem(p.topic);
    if (problem)
      throw new MqttError(Reason.TopicNameInvalid, `PUBLISH topic is invalid (${problem}) [MQTT-3.3.2-2]`);
    if (p.qos === 2 && p.messageId !== undefined && this.awaitingRel.has(p.messageId)) {
      this.out.send({ cmd: 'pubrec', messageId: p.messageId });
      return;
    }
    const payload = Buffer.isBuffer(p.payload) ? p.payload : Buffer.from(p.payload);
    const qos = p.qos;
    this.deps.metrics.published.inc({ qos });
    // The retained copy is stored only once RabbitMQ has taken the message, so a refused publish retains nothing.
    const published = this.link.publish(p.topic, payload, qos, (drained) => this.out.pauseReading(drained));
    const done = p.retain ? published.then(() => this.storeRetained(p.topic, payload, qos)) : published;
    if (qos === 0) {
      done.catch((err: unknown) => this.refused(err, undefined));
      return;
    }
    this.track(done, p);
  }

  private track(done: Promise<unknown>, p: IPublishPacket): void {
    const id = p.messageId as number;
    if (p.qos === 2) this.awaitingRel.add(id);
    this.pending++;
    if (this.pending >= this.deps.config.inflightWindow) {
      this.out.pauseReading(new Promise<void>((resolve) => (this.windowOpen = resolve)));
    }
    const previous = this.acks;
    this.acks = done.then(
      async () => {
        await previous;
        this.out.send(p.qos === 2 ? { cmd: 'pubrec', messageId: id } : { cmd: 'puback', messageId: id });
        this.settled();
      },
      async (err: unknown) => {
        await previous;
        this.awaitingRel.delete(id);
        this.settled();
        this.refused(err, id);
      },
    );
  }

  /** PUBREL: the QoS 2 id may be reused; answer PUBCOMP. */
  released(messageId: number): void {
    this.awaitingRel.delete(messageId);
    this.out.send({ cmd: 'pubcomp', messageId });
  }

  private settled(): void {
    this.pending--;
    if (this.pending < this.deps.config.inflightWindow && this.windowOpen) {
      this.windowOpen();
      this.windowOpen = undefined;
    }
  }

  private refused(err: unknown, messageId: number | undefined): void {
    const denied = isAccessRefused(err);
    if (denied && this.protocolVersion === 5 && messageId !== undefined) {
      this.out.send({ cmd: 'puback', messageId, reasonCode: Reason.NotAuthorized });
      return;
    }
    this.fail(
      new MqttError(
        denied ? Reason.NotAuthorized : Reason.ServerUnavailable,
        denied ? 'RabbitMQ refused the publish' : `publish failed: ${(err as Error).message}`,
      ),
    );
  }

  private async storeRetained(topic: string, payload: Buffer, qos: QoS): Promise<void> {
    if (payload.length === 0) await this.deps.retained.clear(topic);
    else await this.deps.retained.set({ topic, payload, qos });
  }

  /** Resolves once every publish so far is confirmed or failed (used by drain). */
  settledAll(): Promise<void> {
    return this.acks;
  }
}
