import type { Delivery, PublishExtras, QoS } from '../../../adapter/src/ports/message';
import { routingKeyToTopic } from '../../../adapter/src/mqtt/topic';

/** A message as a fake queue holds it. */
export interface Stored {
  readonly routingKey: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly extras: PublishExtras | undefined;
  readonly redelivered: boolean;
}

/** One consumer of a queue: whoever receives its deliveries, with its prefetch. */
export interface Consumer {
  readonly queue: FakeQueue;
  readonly prefetch: number;
  unacked: number;
  /** Hands over one delivery; returns its tag. */
  deliver(m: Stored): void;
}

/** A queue of the fake broker: messages, bindings, consumers served round-robin within their prefetch. */
export class FakeQueue {
  readonly messages: Stored[] = [];
  readonly bindings = new Set<string>();
  readonly consumers: Consumer[] = [];
  private next = 0;
  private scheduled = false;

  constructor(
    readonly name: string,
    readonly durable: boolean,
    /** Publishes beyond this many ready messages are refused (x-max-length with x-overflow reject-publish). */
    readonly maxLength = Infinity,
  ) {}

  /** Takes a message; false when the queue is at its length limit. */
  offer(m: Stored): boolean {
    if (this.messages.length >= this.maxLength) return false;
    this.messages.push(m);
    this.dispatchSoon();
    return true;
  }

  /** Puts unacked messages back at the head of the queue, marked redelivered. */
  requeue(ms: readonly Stored[]): void {
    this.messages.unshift(...ms.map((m) => ({ ...m, redelivered: true })));
    this.dispatchSoon();
  }

  /** Deliveries reach consumers asynchronously, as they would over a socket. */
  dispatchSoon(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.messages.length > 0) {
      const c = this.roomy();
      if (!c) return;
      c.unacked++;
      c.deliver(this.messages.shift() as Stored);
    }
  }

  private roomy(): Consumer | undefined {
    for (let k = 0; k < this.consumers.length; k++) {
      const c = this.consumers[(this.next + k) % this.consumers.length];
      if (c.prefetch === 0 || c.unacked < c.prefetch) {
        this.next = (this.next + k + 1) % this.consumers.length;
        return c;
      }
    }
    return undefined;
  }
}

/** The MQTT view of a stored message, as the AMQP client link makes it of an AMQP delivery. */
export function toDelivery(m: Stored, deliveryTag: number): Delivery {
  return {
    topic: routingKeyToTopic(m.routingKey),
    payload: m.payload,
    qos: m.qos,
    deliveryTag,
    redelivered: m.redelivered,
    retain: m.extras?.retain ?? false,
    publisher: m.extras?.publisher,
    props: m.extras?.props ?? {},
    expired: false,
    ...(m.extras?.mark ? { mark: m.extras.mark } : {}),
  };
}
