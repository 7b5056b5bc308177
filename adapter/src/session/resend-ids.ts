import type { Delivery } from '../ports/message';
import type { OutboundUnacked } from '../ports/session-store';
import { Requeued } from './requeued';

export { resendKey } from './requeued';

/**
 * The packet ids a closing session had sent PUBLISHes under and not yet seen
 * acknowledged, waiting for their messages to come back from RabbitMQ so they
 * go out again under the same ids [MQTT-4.4.0-1]. A client that delivers a
 * QoS 2 message on PUBLISH and remembers its id until PUBREL would deliver it
 * a second time under a new id.
 *
 * A QoS 2 message whose PUBREL went out was acked to RabbitMQ, but an ack
 * lost with its connection (a node dying) brings it back too: the client owns
 * it already, so such a match is dropped rather than sent.
 *
 * A queue's first delivery that is not a redelivery gives up that queue's
 * ids still awaited (see Requeued), but not before `holdUntil` (epoch ms): the
 * closing connection gives its unacked messages back in the last steps of its
 * close, which may finish in the background after the client id is free, so
 * the resumed session can take fresh messages before them. Given up then, a
 * message coming back later would go out under a new id, and a client that
 * delivers QoS 2 on PUBLISH would deliver it twice.
 */
export class ResendIds {
  private readonly awaited = new Requeued<Awaited>();

  constructor(
    entries: readonly OutboundUnacked[],
    private readonly holdUntil = 0,
  ) {
    for (const e of entries) this.awaited.add(e.queue, e.key, { id: e.id, released: e.released === true });
  }

  /** Ids to keep from new messages meanwhile; a released one's id is the pending PUBREL's. */
  ids(): number[] {
    return this.entries()
      .filter((e) => !e.released)
      .map((e) => e.id);
  }

  get empty(): boolean {
    return this.awaited.empty;
  }

  /** What is still awaited, in the form it was given. */
  entries(): OutboundUnacked[] {
    return this.awaited.entries().map(({ queue, key, item: { id, released } }) => ({
      id,
      queue,
      key,
      ...(released ? { released } : {}),
    }));
  }

  /**
   * A delivery from `queue`: the id it went out under before, if it is one of
   * those awaited, or `released` if the client owns it already. `givenUp`
   * lists the reserved ids no longer awaited because of it.
   */
  claim(
    queue: string,
    d: Pick<Delivery, 'topic' | 'payload' | 'mark' | 'redelivered'>,
    now = Date.now(),
  ): { id?: number; released?: true; givenUp: number[] } {
    const { hit, givenUp } = this.awaited.claim(queue, d, now < this.holdUntil);
    const lost = givenUp.filter((e) => !e.released).map((e) => e.id);
    if (hit?.released) return { released: true, givenUp: lost };
    return hit ? { id: hit.id, givenUp: lost } : { givenUp: lost };
  }
}

interface Awaited {
  readonly id: number;
  readonly released: boolean;
}
