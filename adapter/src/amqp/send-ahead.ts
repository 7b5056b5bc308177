import type * as amqp from 'amqplib';
import { amqplibModule } from './amqplib-internals';

/** The parts of an amqplib 2.x channel this relies on; `sendAhead` checks each before use. */
interface AmqplibChannel {
  /** The RPC awaiting its reply, null when none. */
  readonly reply: unknown;
  /** RPCs queued behind it. */
  readonly pending: readonly unknown[] | null;
  sendImmediately(method: number, fields: Record<string, unknown>): unknown;
}

interface MethodIds {
  readonly QueueDeclare: number;
  readonly QueuePurge: number;
  readonly QueueBind: number;
  readonly QueueDelete: number;
}

const defs = (amqplibModule('defs') ?? {}) as Partial<MethodIds>;

/** A queue method RabbitMQ does without a reply when asked (nowait), as `sendAhead` sends it. */
export type AheadMethod =
  | { readonly kind: 'delete'; readonly queue: string }
  | {
      readonly kind: 'declare';
      readonly queue: string;
      readonly durable: boolean;
      readonly arguments: Record<string, unknown>;
    }
  | { readonly kind: 'purge'; readonly queue: string }
  | { readonly kind: 'bind'; readonly queue: string; readonly exchange: string; readonly routingKey: string };

function encoded(m: AheadMethod): [number | undefined, Record<string, unknown>] {
  switch (m.kind) {
    case 'delete':
      return [defs.QueueDelete, { ticket: 0, queue: m.queue, ifUnused: false, ifEmpty: false, nowait: true }];
    case 'declare':
      return [
        defs.QueueDeclare,
        {
          ticket: 0,
          queue: m.queue,
          passive: false,
          durable: m.durable,
          exclusive: false,
          autoDelete: false,
          nowait: true,
          arguments: m.arguments,
        },
      ];
    case 'purge':
      return [defs.QueuePurge, { ticket: 0, queue: m.queue, nowait: true }];
    case 'bind':
      return [
        defs.QueueBind,
        {
          ticket: 0,
          queue: m.queue,
          exchange: m.exchange,
          routingKey: m.routingKey,
          nowait: true,
          arguments: {},
        },
      ];
  }
}

/**
 * Writes queue methods with `nowait` set on a channel that awaits no reply,
 * so they leave together with the RPC the caller sends next instead of one
 * round trip each: amqplib keeps one RPC outstanding per channel. RabbitMQ
 * runs a channel's methods in order and answers none of these; a refusal
 * closes the channel, and the next RPC's promise rejects with that reason, so
 * the RPC stands for all of them. Returns false, having sent nothing, when
 * the channel has an RPC under way (these would overtake the ones queued) or
 * amqplib's internals differ from 2.x: the caller then sends them one by one.
 */
export function sendAhead(ch: amqp.Channel, methods: readonly AheadMethod[]): boolean {
  const c = ch as unknown as Partial<AmqplibChannel>;
  if (typeof c.sendImmediately !== 'function' || c.reply !== null) return false;
  if (!Array.isArray(c.pending) || c.pending.length > 0) return false;
  const frames = methods.map(encoded);
  if (frames.some(([id]) => id === undefined)) return false;
  for (const [id, fields] of frames) c.sendImmediately(id as number, fields);
  return true;
}
