import { createHash } from 'node:crypto';
import type { Delivery } from '../ports/message';

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
 * Items waiting for messages that RabbitMQ hands back to their queue, each
 * under the resendKey of its message, when the channel or connection that held
 * them unacked closed. RabbitMQ hands requeued messages out before the ones
 * behind them, so the first delivery from a queue that is not a redelivery
 * means none of that queue's awaited messages is coming (expired, or taken by
 * another member of a shared group): they are given up then.
 */
export class Requeued<T> {
  /** queue -> key -> items, oldest first. */
  private readonly awaited = new Map<string, Map<string, T[]>>();

  add(queue: string, key: string, item: T): void {
    const keys = this.awaited.get(queue) ?? new Map<string, T[]>();
    this.awaited.set(queue, keys);
    const list = keys.get(key);
    if (list) list.push(item);
    else keys.set(key, [item]);
  }

  get empty(): boolean {
    return this.awaited.size === 0;
  }

  entries(): { queue: string; key: string; item: T }[] {
    return [...this.awaited].flatMap(([queue, keys]) =>
      [...keys].flatMap(([key, list]) => list.map((item) => ({ queue, key, item }))),
    );
  }

  /**
   * The item awaiting this delivery from `queue`, if any; `givenUp` lists those
   * no longer awaited because of it. With `holdOnFresh`, a delivery that is not
   * a redelivery gives nothing up: the channel holding the awaited messages may
   * not have given them back yet.
   */
  claim(
    queue: string,
    d: Pick<Delivery, 'topic' | 'payload' | 'mark' | 'redelivered'>,
    holdOnFresh = false,
  ): { hit?: T; givenUp: T[] } {
    const keys = this.awaited.get(queue);
    if (!keys) return { givenUp: [] };
    if (!d.redelivered) {
      if (holdOnFresh) return { givenUp: [] };
      this.awaited.delete(queue);
      return { givenUp: [...keys.values()].flat() };
    }
    const key = resendKey(d);
    const list = keys.get(key);
    const hit = list?.shift();
    if (list?.length === 0) keys.delete(key);
    if (keys.size === 0) this.awaited.delete(queue);
    return { hit, givenUp: [] };
  }
}
