import { Redis } from 'ioredis';
import { rabbitmqctl } from '../helpers/rabbit';

/** What a batch of connections may leave behind: RabbitMQ queues and consumers, and Redis keys, under a prefix. */
export interface Leftovers {
  readonly queues: string[];
  readonly consumers: number;
  readonly redisKeys: string[];
}

/** Queues whose name contains `marker`, with their consumers, and Redis keys under `redisPrefix`. */
export async function leftovers(marker: string, redisPrefix: string | undefined): Promise<Leftovers> {
  const out = await rabbitmqctl('list_queues', '--no-table-headers', 'name', 'consumers');
  const rows = out
    .split('\n')
    .map((l) => l.split('\t'))
    .filter(([name]) => name?.includes(marker));
  let redisKeys: string[] = [];
  if (redisPrefix) {
    const redis = new Redis(process.env.MQTT_ADAPTER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      redisKeys = (await redis.keys(`${redisPrefix}*`)).sort();
    } finally {
      redis.disconnect();
    }
  }
  return {
    queues: rows.map(([name]) => name).sort(),
    consumers: rows.reduce((n, [, c]) => n + Number(c), 0),
    redisKeys,
  };
}
