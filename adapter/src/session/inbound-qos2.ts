import type { InboundQos2Entry } from '../ports/session-store';

/** What an inbound QoS 2 PUBLISH is, judged by its packet id. */
export type Qos2Arrival<A> =
  | { readonly kind: 'new' }
  /** A retransmission whose original RabbitMQ has not yet confirmed; `answer` is the original's. */
  | { readonly kind: 'unconfirmed'; readonly answer: A }
  /** A retransmission of a message RabbitMQ holds, PUBREC'd and awaiting PUBREL. */
  | { readonly kind: 'received' }
  /**
   * Restored as recorded before its publish by a connection that ended before
   * the confirm: RabbitMQ may or may not hold it. Its resend is published
   * again with the same token, the only choice that never loses it.
   */
  | { readonly kind: 'pending'; readonly token: string };

/**
 * The packet ids of inbound QoS 2 messages between PUBLISH and PUBREL. An id
 * is `unconfirmed` while RabbitMQ has not confirmed its message and `received`
 * from the confirm to PUBREL. A retransmission of either is not published
 * again [MQTT-4.3.3-10]; one of an unconfirmed id takes its original's answer,
 * so no PUBREC goes out before RabbitMQ holds the message. A resumed session
 * brings its received ids and its `pending` ones, whose fate is unknown.
 */
export class InboundQos2Ids<A> {
  private readonly unconfirmed = new Map<number, { readonly answer: A; readonly token: string }>();
  /** Received ids, with their tokens. */
  private readonly received = new Map<number, string>();
  private readonly pending = new Map<number, string>();

  arrival(id: number): Qos2Arrival<A> {
    const u = this.unconfirmed.get(id);
    if (u) return { kind: 'unconfirmed', answer: u.answer };
    if (this.received.has(id)) return { kind: 'received' };
    const token = this.pending.get(id);
    return token === undefined ? { kind: 'new' } : { kind: 'pending', token };
  }

  /** A message with this id went to RabbitMQ; `answer` settles with its outcome. */
  publishing(id: number, answer: A, token = ''): void {
    this.pending.delete(id);
    this.unconfirmed.set(id, { answer, token });
  }

  /** RabbitMQ confirmed the message: the id awaits PUBREL. Returns its token, if it was publishing. */
  confirmed(id: number): string | undefined {
    const u = this.unconfirmed.get(id);
    if (!u) return undefined;
    this.unconfirmed.delete(id);
    this.received.set(id, u.token);
    return u.token;
  }

  /** RabbitMQ did not take the message: the id is free for a new one. */
  refused(id: number): void {
    this.unconfirmed.delete(id);
  }

  /**
   * PUBREL: whether the id was awaiting it; it is free afterwards [MQTT-4.3.3-11].
   * A restored pending id counts: the client heard a PUBREC whose record did not land.
   */
  release(id: number): boolean {
    return this.received.delete(id) || this.pending.delete(id);
  }

  /** The records of a stored session. */
  restore(entries: readonly InboundQos2Entry[]): void {
    for (const e of entries) (e.state === 'pending' ? this.pending : this.received).set(e.id, e.token);
  }

  awaitingRelease(): number[] {
    return [...this.received.keys()];
  }

  /** Ids awaiting PUBREL: with the client, these still count against its Receive Maximum [MQTT-3.3.4-7]. */
  get releasing(): number {
    return this.received.size;
  }

  /** Every id held, confirmed, unconfirmed or restored as pending. */
  get held(): number {
    return this.unconfirmed.size + this.received.size + this.pending.size;
  }
}
