import type * as amqp from 'amqplib';

/**
 * Lets go of a channel given up at a deadline, as of one RabbitMQ closed:
 * `forget` drops its holder's reference at once, so the next operation takes
 * another, and its close is asked for, not awaited (a node that answers
 * nothing may not confirm it until the heartbeat ends the connection). The
 * close is returned, settled either way, for what must follow it.
 */
export function letChannelGo(ch: amqp.Channel, forget: () => void): Promise<void> {
  forget();
  return ch.close().then(
    () => undefined,
    () => undefined,
  );
}
