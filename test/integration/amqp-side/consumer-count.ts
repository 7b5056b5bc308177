import type * as amqp from 'amqplib';
import { rabbitmqctl } from '../helpers/rabbit';
import { VHOST } from './vhost';

export interface ConsumerRow {
  /** The Erlang pid of the channel the consumer is on: equal pids, one channel. */
  readonly channel: string;
  readonly prefetch: number;
}

/** The consumers of these queues in the test vhost, as `rabbitmqctl list_consumers` lists them. */
export async function listConsumers(queues: string[]): Promise<Map<string, ConsumerRow>> {
  const out = await rabbitmqctl(
    'list_consumers',
    '-p',
    VHOST,
    '--no-table-headers',
    'queue_name',
    'channel_pid',
    'prefetch_count',
  );
  const rows = new Map<string, ConsumerRow>();
  for (const line of out.split('\n')) {
    const [queue, channel, prefetch] = line.trim().split(/\s+/);
    if (queues.includes(queue)) rows.set(queue, { channel, prefetch: Number(prefetch) });
  }
  return rows;
}

/** How many consumers `queue` has in `vhost`, as `rabbitmqctl list_consumers` lists them. */
export async function consumersOf(queue: string, vhost = '/'): Promise<number> {
  const out = await rabbitmqctl('list_consumers', '-p', vhost, '--no-table-headers', 'queue_name');
  return out.split('\n').filter((l) => l.trim() === queue).length;
}

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
