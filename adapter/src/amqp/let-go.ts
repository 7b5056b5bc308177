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

/**
 * Listens on a channel for its close, and for its errors, which its holder
 * learns from the failing operation's promise instead; returns the undo, for
 * when the channel passes to another holder.
 */
export function watchChannel(ch: amqp.Channel, closed: () => void): () => void {
  const ignore = (): void => undefined;
  ch.on('error', ignore);
  ch.once('close', closed);
  return () => {
    ch.removeListener('error', ignore);
    ch.removeListener('close', closed);
  };
}
