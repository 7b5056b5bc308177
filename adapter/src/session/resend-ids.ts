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
 * RabbitMQ hands requeued messages out before the ones behind them, so the
 * first delivery from a queue that is not a redelivery means none of that
 * queue's awaited messages is coming (expired, or taken by another member of a
 * shared group): their ids are given up then.
 */
export class ResendIds {
  /** queue -> key -> ids, oldest first. */
  private readonly awaited = new Map<string, Map<string, number[]>>();

  constructor(entries: readonly OutboundUnacked[]) {
    for (const e of entries) {
      const keys = this.awaited.get(e.queue) ?? new Map<string, number[]>();
      this.awaited.set(e.queue, keys);
      keys.set(e.key, [...(keys.get(e.key) ?? []), e.id]);
    }
  }

  get empty(): boolean {
    return this.awaited.size === 0;
  }

  /** What is still awaited, in the form it was given. */
  entries(): OutboundUnacked[] {
    return [...this.awaited].flatMap(([queue, keys]) =>
      [...keys].flatMap(([key, ids]) => ids.map((id) => ({ id, queue, key }))),
    );
  }

  /**
   * A delivery from `queue`: the id it went out under before, if it is one of
   * those awaited. `given up` lists the ids no longer awaited because of it.
   */
  claim(
    queue: string,
    d: Pick<Delivery, 'topic' | 'payload' | 'mark' | 'redelivered'>,
  ): { id?: number; givenUp: number[] } {
    const keys = this.awaited.get(queue);
    if (!keys) return { givenUp: [] };
    if (!d.redelivered) {
      this.awaited.delete(queue);
      return { givenUp: [...keys.values()].flat() };
    }
    const key = resendKey(d);
    const ids = keys.get(key);
    const id = ids?.shift();
    if (ids?.length === 0) keys.delete(key);
    if (keys.size === 0) this.awaited.delete(queue);
    return { id, givenUp: [] };
  }
}
