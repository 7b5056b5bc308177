import type { Delivery } from '../ports/message';

/** Acks older than this were read by RabbitMQ before any channel close that could lose them. */
const WINDOW_MS = 2000;
/**
 * At most this many acks are remembered. Acks lost in a close are of messages
 * RabbitMQ still counts unacked, at most the consumer's prefetch: remembering
 * a prefetch's worth covers them all. More come back as duplicates, never as losses.
 */
const MAX_SIZE = 256;
/** A larger message is not remembered: its copy would cost more than a rare duplicate. */
const MAX_PAYLOAD = 1024;

type Remembered = Pick<Delivery, 'topic' | 'payload' | 'mark' | 'qos'>;

/**
 * The newest deliveries of the client's own queue acked to RabbitMQ. An ack
 * sent as RabbitMQ closes the channel is lost with it, and its message comes
 * back redelivered though the client has it. Only the client's own queue
 * counts: a shared group's queue may redeliver another member's message
 * alike in topic and payload, which this client never had. Payloads are
 * copied, small ones only: a delivery's payload is a slice of a socket read
 * that would otherwise stay in memory with it.
 */
export class RecentAcks {
  private readonly size: number;
  private readonly ring: ({ readonly at: number; readonly m: Remembered } | undefined)[] = [];
  private next = 0;

  /** `prefetch`: the most deliveries RabbitMQ hands the client's consumer unacked. */
  constructor(prefetch: number) {
    this.size = Math.max(1, Math.min(prefetch, MAX_SIZE));
  }

  add(d: Delivery, now: number): void {
    let m: Remembered;
    if (d.mark) m = { topic: '', payload: EMPTY, mark: d.mark, qos: d.qos };
    else if (d.payload.length <= MAX_PAYLOAD)
      m = { topic: d.topic, payload: Buffer.from(d.payload), qos: d.qos };
    else return;
    this.ring[this.next] = { at: now, m };
    this.next = (this.next + 1) % this.size;
  }

  /** Those acked within the last moments, forgetting all. */
  take(now: number): Remembered[] {
    const recent: Remembered[] = [];
    for (const e of this.ring) if (e && now - e.at <= WINDOW_MS) recent.push(e.m);
    this.ring.length = 0;
    this.next = 0;
    return recent;
  }
}

const EMPTY = Buffer.alloc(0);
