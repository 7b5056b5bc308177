/** What an inbound QoS 2 PUBLISH is, judged by its packet id. */
export type Qos2Arrival<A> =
  | { readonly kind: 'new' }
  /** A retransmission whose original RabbitMQ has not yet confirmed; `answer` is the original's. */
  | { readonly kind: 'unconfirmed'; readonly answer: A }
  /** A retransmission of a message RabbitMQ holds, PUBREC'd and awaiting PUBREL. */
  | { readonly kind: 'received' };

/**
 * The packet ids of inbound QoS 2 messages between PUBLISH and PUBREL. An id
 * is `unconfirmed` while RabbitMQ has not confirmed its message and `received`
 * from the confirm to PUBREL. A retransmission of either is not published
 * again [MQTT-4.3.3-10]; one of an unconfirmed id takes its original's answer,
 * so no PUBREC goes out before RabbitMQ holds the message. Only received ids
 * belong in the stored session: an unconfirmed one may still be refused, and
 * the client must then be able to send it again as a new message.
 */
export class InboundQos2Ids<A> {
  private readonly unconfirmed = new Map<number, A>();
  private readonly received = new Set<number>();

  arrival(id: number): Qos2Arrival<A> {
    if (this.unconfirmed.has(id)) return { kind: 'unconfirmed', answer: this.unconfirmed.get(id) as A };
    return this.received.has(id) ? { kind: 'received' } : { kind: 'new' };
  }

  /** A new message with this id went to RabbitMQ; `answer` settles with its outcome. */
  publishing(id: number, answer: A): void {
    this.unconfirmed.set(id, answer);
  }

  /** RabbitMQ confirmed the message: the id awaits PUBREL. */
  confirmed(id: number): void {
    if (this.unconfirmed.delete(id)) this.received.add(id);
  }

  /** RabbitMQ did not take the message: the id is free for a new one. */
  refused(id: number): void {
    this.unconfirmed.delete(id);
  }

  /** PUBREL: whether the id was awaiting it; it is free afterwards [MQTT-4.3.3-11]. */
  release(id: number): boolean {
    return this.received.delete(id);
  }

  /** Ids awaiting PUBREL in a stored session. */
  restore(ids: readonly number[]): void {
    for (const id of ids) this.received.add(id);
  }

  awaitingRelease(): number[] {
    return [...this.received];
  }

  /** Ids awaiting PUBREL: with the client, these still count against its Receive Maximum [MQTT-3.3.4-7]. */
  get releasing(): number {
    return this.received.size;
  }

  /** Every id held, confirmed or not. */
  get held(): number {
    return this.unconfirmed.size + this.received.size;
  }
}
