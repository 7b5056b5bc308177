import { randomBytes } from 'node:crypto';
import { RedisRetainedStore } from '../../adapter/src/store/redis/redis-retained-store';
import { RedisKeys } from '../../adapter/src/store/redis/keys';
import { createRedisClient } from '../../adapter/src/store/redis/client';
import { MAIN_JS, spawnAdapter } from '../../test/integration/helpers/adapter';
import { delay } from '../../test/integration/helpers/wait';
import { MqttConn } from '../client/mqtt-conn';
import { statusBytes as status } from '../proc/memory';

/**
 * `flock /tmp/itest.lock node build/bench/profile/retained-stream.js [count] [payload bytes]`:
 * how much the adapter's memory grows while one client subscribes to `<root>/#` over
 * `count` (100000) retained messages of `payload` (200) bytes. It starts an
 * adapter child process on the Redis store under a key prefix of its own
 * (BENCH_ADAPTER_MAIN picks another build's main.js, for a before/after),
 * writes the retained messages straight into Redis in the adapter's layout,
 * subscribes `<root>/#` at QoS 1 (every retained message of the prefix, but
 * none of the live traffic others send through the shared RabbitMQ, which a
 * bare `#` would also bind) with a client that PUBACKs each message as it reads
 * it, samples the adapter's VmRSS every 20 ms until the last message is in,
 * and prints the baseline, the peak, the growth and VmHWM. Every key under its
 * prefix is removed at the end. It uses the machine's RabbitMQ and Redis, so
 * it runs under the same lock as the integration tests.
 */

const REDIS_URL = process.env.MQTT_ADAPTER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

async function seed(store: RedisRetainedStore, root: string, count: number, size: number): Promise<void> {
  const payload = randomBytes(size);
  for (let i = 0; i < count; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, count - i) }, (_, j) =>
        store.set({ topic: `${root}/${(i + j) % 100}/${i + j}`, payload, qos: 1 }),
      ),
    );
  }
}

/** Subscribes to the filter through the adapter and waits for `count` messages, sampling the adapter's RSS meanwhile. */
async function measure(pid: number, port: number, filter: string, count: number): Promise<string> {
  let received = 0;
  const conn = await MqttConn.open(
    { host: '127.0.0.1', port },
    { clientId: 'bench-retained', clean: true, keepalive: 60, username: 'guest', password: 'guest' },
    () => received++,
  );
  try {
    await delay(1000);
    const baseline = status(pid, 'VmRSS');
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, status(pid, 'VmRSS'))), 20);
    const started = Date.now();
    try {
      await conn.subscribe(filter, 1);
      while (received < count) {
        if (conn.closed) throw new Error(`connection closed after ${received} of ${count}`);
        if (Date.now() - started > 300_000) throw new Error(`only ${received} of ${count} in 5 minutes`);
        await delay(20);
      }
    } finally {
      clearInterval(sampler);
    }
    const seconds = (Date.now() - started) / 1000;
    return (
      `${received} received in ${seconds.toFixed(1)} s; RSS baseline ${mib(baseline)}, peak ${mib(peak)}, ` +
      `growth ${mib(peak - baseline)}; VmHWM ${mib(status(pid, 'VmHWM'))}`
    );
  } finally {
    await conn.disconnect();
  }
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 100_000);
  const size = Number(process.argv[3] ?? 200);
  const keys = new RedisKeys(`mqtt-adapter-bench:rs-${randomBytes(4).toString('hex')}:`);
  const redis = createRedisClient({
    redisMode: 'standalone',
    redisUrl: REDIS_URL,
    redisSentinelName: 'mymaster',
    redisPassword: undefined,
  });
  const main = process.env.BENCH_ADAPTER_MAIN ?? MAIN_JS;
  try {
    const root = `bench-rs-${randomBytes(4).toString('hex')}`;
    await seed(new RedisRetainedStore(redis, keys), root, count, size);
    // Info level: the line with the listening ports is how spawnAdapter learns them.
    const adapter = await spawnAdapter(
      {
        MQTT_ADAPTER_STORE: 'redis',
        MQTT_ADAPTER_REDIS_KEY_PREFIX: keys.prefix,
        MQTT_ADAPTER_LOG_LEVEL: 'info',
      },
      main,
    );
    try {
      const figures = await measure(adapter.pid, adapter.ports.mqtt, `${root}/#`, count);
      console.log(`adapter ${main}\n${count} retained x ${size} B, subscribe <root>/# at QoS 1: ${figures}`);
    } finally {
      await adapter.stop();
    }
  } finally {
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${keys.prefix}*`, 'COUNT', 1000);
      cursor = next;
      for (const key of batch) await redis.del(key);
    } while (cursor !== '0');
    await redis.quit();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
