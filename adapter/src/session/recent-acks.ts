import type { Delivery } from '../ports/message';

/** Acks older than this were read by RabbitMQ before any channel close that could lose them. */
const WINDOW_MS = 2000;
/** Acks remembered; more lost at once come back as duplicates, never as losses. */
const SIZE = 16;

/**
 * The newest deliveries of the client's own queue acked to RabbitMQ. An ack
 * sent as RabbitMQ closes the channel is lost with it, and its message comes
 * back redelivered though the client has it. Only the client's own queue
 * counts: a shared group's queue may redeliver another member's message
 * alike in topic and payload, which this client never had.
 */
export class RecentAcks {
  private readonly ring: ({ readonly at: number; readonly d: Delivery } | undefined)[] = [];
  private next = 0;

  add(d: Delivery, now: number): void {
    this.ring[this.next] = { at: now, d };
    this.next = (this.next + 1) % SIZE;
  }

  /** Those acked within the last moments, forgetting all. */
  take(now: number): Delivery[] {
    const recent = this.ring.filter((e) => e !== undefined && now - e.at <= WINDOW_MS).map((e) => e!.d);
    this.ring.length = 0;
    this.next = 0;
    return recent;
  }
}
