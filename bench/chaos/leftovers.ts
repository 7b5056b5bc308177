import { Redis } from 'ioredis';
import { listQueues, rabbitmqctl } from '../../test/integration/helpers/rabbit';

/** What a run left in RabbitMQ and Redis once its clients and replicas were gone. */
export interface Leftovers {
  /** Queues whose name holds the run's tag (its client ids do). */
  readonly queues: string[];
  /** Consumers on those queues. */
  readonly consumers: number;
  /** Channels on the AMQP sockets the run's replicas opened. */
  readonly channels: number;
  /** Redis keys under the run's private prefix that never expire. */
  readonly redisKeys: string[];
  /** Keys under the prefix that expire on their own, with the milliseconds they have left. */
  readonly expiring: { readonly key: string; readonly ttlMs: number }[];
}

export const leftoverCount = (l: Leftovers): number =>
  l.queues.length + l.consumers + l.channels + l.redisKeys.length;

/** Where a run's queues and channels are counted: the shared RabbitMQ, or a private cluster. */
export interface Broker {
  queues(): Promise<{ readonly name: string; readonly consumers: number }[]>;
  /** The channels of the run's replicas. */
  channels(): Promise<string[]>;
}

/** The machine's RabbitMQ on 5672, whose channels are the run's when on one of `amqpPorts`. */
export const sharedBroker = (amqpPorts: ReadonlySet<number>): Broker => ({
  queues: () => listQueues(),
  // A channel's name is `<peer ip>:<peer port> -> <ip>:5672 (<n>)`.
  channels: async () =>
    (await rabbitmqctl('list_channels', '--no-table-headers', 'name'))
      .split('\n')
      .filter((name) => amqpPorts.has(Number(/^[\d.]+:(\d+) ->/.exec(name)?.[1]))),
});

export async function leftovers(
  tag: string,
  broker: Broker,
  redisUrls: string | readonly string[],
  prefix: string,
): Promise<Leftovers> {
  const queues = (await broker.queues()).filter((q) => q.name.includes(tag));
  const channels = await broker.channels();
  const keys = await keysUnder(redisUrls, prefix);
  return {
    queues: queues.map((q) => q.name),
    consumers: queues.reduce((sum, q) => sum + q.consumers, 0),
    channels: channels.length,
    redisKeys: keys.filter((k) => k.ttlMs < 0).map((k) => k.key),
    expiring: keys.filter((k) => k.ttlMs >= 0),
  };
}

/** Keys matching `<prefix>*` on each server (the masters of a Cluster), with their PTTL (-1: no expiry). */
export async function keysUnder(
  redisUrls: string | readonly string[],
  prefix: string,
): Promise<{ key: string; ttlMs: number }[]> {
  const urls = typeof redisUrls === 'string' ? [redisUrls] : redisUrls;
  const each = await Promise.all(urls.map((url) => keysOn(url, prefix)));
  return each.flat().sort((a, b) => a.key.localeCompare(b.key));
}

async function keysOn(redisUrl: string, prefix: string): Promise<{ key: string; ttlMs: number }[]> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    const ttls = await Promise.all(keys.map((k) => redis.pttl(k)));
    return keys.map((key, i) => ({ key, ttlMs: ttls[i] }));
  } finally {
    redis.disconnect();
  }
}
