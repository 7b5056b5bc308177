import { strict as assert } from 'node:assert';
import { Redis } from 'ioredis';
import { createRedisClient, type RedisClient } from '../../../adapter/src/store/redis/client';
import { REDIS_URL } from './redis-fixture';
import { RedisServer } from './redis-server';

/** Blocks this process's event loop, as a long GC pause or a SIGSTOP would. */
const stall = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

const config = (url: string) => ({
  redisMode: 'standalone' as const,
  redisUrl: url,
  redisSentinelName: 'mymaster',
  redisPassword: undefined,
});

/*
 * The command timeout of the adapter's Redis clients: a process that stalls
 * longer than the timeout, while Redis answers, must not fail the commands
 * whose replies wait in its socket when it runs again; a Redis that answers
 * nothing must still fail them.
 */
describe('Redis command timeout across a stalled process', function () {
  this.timeout(20_000);
  const opened: RedisClient[] = [];
  const open = (c: RedisClient): RedisClient => {
    c.on('error', () => undefined);
    opened.push(c);
    return c;
  };
  after(() => opened.forEach((c) => c.disconnect()));

  it('keeps the commands answered while the process stalled 2.5 s, where a plain ioredis timeout fails them', async () => {
    const ours = open(createRedisClient(config(REDIS_URL)));
    const plain = open(new Redis(REDIS_URL, { commandTimeout: 2000 }));
    await Promise.all([ours.ping(), plain.ping()]);
    const settle = (p: Promise<unknown>) =>
      p.then(
        () => 'answered',
        (err: Error) => err.message,
      );
    const inFlight = [ours, plain].map((c) =>
      settle(Promise.all(Array.from({ length: 20 }, () => c.ping()))),
    );
    stall(2500);
    assert.deepEqual(await Promise.all(inFlight), ['answered', 'Command timed out']);
  });

  it('still fails a command Redis does not answer, after the timeout', async () => {
    const server = await RedisServer.start();
    try {
      const client = open(createRedisClient(config(`redis://127.0.0.1:${server.port}`)));
      await client.ping();
      server.freeze();
      const started = Date.now();
      await assert.rejects(client.get('k'), /Command timed out/);
      const took = Date.now() - started;
      assert.ok(took >= 1900 && took < 4500, `failed after ${took} ms`);
    } finally {
      await server.stop();
    }
  });
});
