import type { IPublishPacket } from 'mqtt-packet';
import { PacketIdAllocator } from '../mqtt/packet-ids';
import { topicMatches } from '../mqtt/topic';
import type { Delivery } from '../amqp/message';
import type { Outbound, QoS, Subscription } from './types';
import type { Metrics } from '../observability/metrics';

interface InFlight {
  /** The AMQP delivery to ack on PUBACK; absent for retained messages sent from the store. */
  readonly deliveryTag?: number;
}

/**
 * Outbound messages to one client: picks the QoS each message goes out at,
 * assigns packet ids, and acks the AMQP delivery only when the client has
 * PUBACKed it, so a dropped connection requeues it.
 */
export class Deliverer {
  private readonly ids = new PacketIdAllocator();
  private readonly inflight = new Map<number, InFlight>();

  constructor(
    private readonly out: Outbound,
    private readonly subscriptions: () => Iterable<Subscription>,
    private readonly ack: (deliveryTag: number) => void,
    private readonly metrics: Metrics,
  ) {}

  get inFlight(): number {
    return this.inflight.size;
  }

  /**
   * The highest QoS granted by the client's subscriptions matching the topic,
   * so overlapping subscriptions deliver once at the highest QoS; undefined
   * when none match (the binding is being removed).
   */
  grantedFor(topic: string, onlyQueued: boolean): QoS | undefined {
    let best: QoS | undefined;
    for (const s of this.subscriptions()) {
      if (onlyQueued && s.fast) continue;
      if (topicMatches(s.filter, topic) && (best === undefined || s.qos > best)) best = s.qos;
    }
    return best;
  }

  /** A message from the client's queue. */
  fromQueue(d: Delivery): void {
    const granted = this.grantedFor(d.topic, false);
    if (granted === undefined) {
      this.ack(d.deliveryTag);
      return;
    }
    const qos = Math.min(granted, d.qos, 1) as QoS;
    if (qos === 0) {
      this.send(d.topic, d.payload, 0, false, false);
      // Acking QoS 0 deliveries only once the socket drains keeps what we buffer bounded by the prefetch.
      if (this.out.congested) void this.out.drained().then(() => this.ack(d.deliveryTag));
      else this.ack(d.deliveryTag);
      return;
    }
    this.sendTracked(d.topic, d.payload, qos, false, d.redelivered, { deliveryTag: d.deliveryTag });
  }

  /** A message from the QoS 0 fast path; dropped, and counted, when the client is congested. */
  fromFastPath(d: Delivery): void {
    // A queue-bound subscription that also matches delivers it (at its higher QoS) instead.
    if (this.grantedFor(d.topic, true) !== undefined) return;
    if (this.out.congested) {
      this.metrics.qos0Dropped.inc();
      return;
    }
    this.send(d.topic, d.payload, 0, false, false);
  }

  /** A retained message sent on subscribe, with the retain flag [MQTT-3.3.1-8]. */
  retained(topic: string, payload: Buffer, qos: QoS): void {
    if (qos === 0) this.send(topic, payload, 0, true, false);
    else this.sendTracked(topic, payload, qos, true, false, {});
  }

  /** PUBACK from the client. */
  acknowledged(messageId: number): void {
    const f = this.inflight.get(messageId);
    if (!f) return;
    this.inflight.delete(messageId);
    this.ids.release(messageId);
    if (f.deliveryTag !== undefined) this.ack(f.deliveryTag);
  }

  private sendTracked(
    topic: string,
    payload: Buffer,
    qos: QoS,
    retain: boolean,
    dup: boolean,
    f: InFlight,
  ): void {
    const id = this.ids.allocate();
    if (id === undefined) return; // 65535 unacked: the prefetch makes this unreachable for queue deliveries
    this.inflight.set(id, f);
    this.send(topic, payload, qos, retain, dup, id);
  }

  private send(
    topic: string,
    payload: Buffer,
    qos: QoS,
    retain: boolean,
    dup: boolean,
    messageId?: number,
  ): void {
    const packet: IPublishPacket = { cmd: 'publish', topic, payload, qos, retain, dup, messageId };
    this.out.send(packet);
    this.metrics.delivered.inc({ qos });
  }
}
