import { createHash } from 'node:crypto';
import type { Delivery } from '../ports/message';
import type { OutboundUnacked } from '../ports/session-store';

/**
 * What tells a requeued delivery apart from the others of its queue: the QoS 2
 * token it carries, or else a digest of its topic and payload. Two messages
 * alike in both may swap packet ids, which no client can tell apart.
 */
export function resendKey(d: Pick<Delivery, 'topic' | 'payload' | 'mark'>): string {
  if (d.mark) return `t:${d.mark.token}`;
  return `h:${createHash('sha1').update(d.topic).update('\0').update(d.payload).digest('base64url').slice(0, 22)}`;
}

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
 * RabbitMQ hands requeued messages out before the ones behind them, so the
 * first delivery from a queue that is not a redelivery means none of that
 * queue's awaited messages is coming (expired, or taken by another member of a
 * shared group): their ids are given up then.
 */
export class ResendIds {
  /** queue -> key -> entries, oldest first. */
  private readonly awaited = new Map<string, Map<string, Awaited[]>>();

  constructor(entries: readonly OutboundUnacked[]) {
    for (const e of entries) {
      const keys = this.awaited.get(e.queue) ?? new Map<string, Awaited[]>();
      this.awaited.set(e.queue, keys);
      keys.set(e.key, [...(keys.get(e.key) ?? []), { id: e.id, released: e.released === true }]);
    }
  }

  /** Ids to keep from new messages meanwhile; a released one's id is the pending PUBREL's. */
  ids(): number[] {
    return this.entries()
      .filter((e) => !e.released)
      .map((e) => e.id);
  }

  get empty(): boolean {
    return this.awaited.size === 0;
  }

  /** What is still awaited, in the form it was given. */
  entries(): OutboundUnacked[] {
    return [...this.awaited].flatMap(([queue, keys]) =>
      [...keys].flatMap(([key, list]) =>
        list.map(({ id, released }) => ({ id, queue, key, ...(released ? { released } : {}) })),
      ),
    );
  }

  /**
   * A delivery from `queue`: the id it went out under before, if it is one of
   * those awaited, or `released` if the client owns it already. `givenUp`
   * lists the reserved ids no longer awaited because of it.
   */
  claim(
    queue: string,
    d: Pick<Delivery, 'topic' | 'payload' | 'mark' | 'redelivered'>,
  ): { id?: number; released?: true; givenUp: number[] } {
    const keys = this.awaited.get(queue);
    if (!keys) return { givenUp: [] };
    if (!d.redelivered) {
      this.awaited.delete(queue);
      const all = [...keys.values()].flat();
      return { givenUp: all.filter((e) => !e.released).map((e) => e.id) };
    }
    const key = resendKey(d);
    const list = keys.get(key);
    const hit = list?.shift();
    if (list?.length === 0) keys.delete(key);
    if (keys.size === 0) this.awaited.delete(queue);
    if (hit?.released) return { released: true, givenUp: [] };
    return { id: hit?.id, givenUp: [] };
  }
}

interface Awaited {
  readonly id: number;
  readonly released: boolean;
}
