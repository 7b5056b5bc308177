import type * as amqp from 'amqplib';

/**
 * A queue's consumers as its queue.declare-ok tells them (`undefined` while
 * the queue does not exist). The answer comes from the queue's current
 * state. `rabbitmqctl list_queues` gives a quorum queue's count from the
 * metrics that the queue publishes once per Ra tick (`quorum_tick_interval`,
 * 5 s by default). For a quorum queue declared a moment ago, that count reads
 * 0 for about 5 s after the consumer attached.
 */
export async function consumerCount(
  connection: amqp.ChannelModel,
  queue: string,
): Promise<number | undefined> {
  // A passive declare of a missing queue closes its channel with a 404, so each question gets its own channel.
  const ch = await connection.createChannel();
  ch.on('error', () => undefined);
  try {
    return (await ch.checkQueue(queue)).consumerCount;
  } catch (err) {
    if (/\b404\b/.test((err as Error).message)) return undefined;
    throw err;
  } finally {
    await ch.close().catch(() => undefined);
  }
}
