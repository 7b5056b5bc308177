import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import mqtt from 'mqtt';
import type { Adapter } from '../../../adapter/src/server';
import { GUEST, startAdapter, uniqueId } from '../helpers/adapter';
import { deleteRedisKeys } from '../v5/support';
import { leftovers, type Leftovers } from './leftovers';
import { runScenario } from './run-scenario';
import { scenarios, type Scenario } from './scenarios';
import { until } from '../helpers/wait';

/*
 * A client may vanish at any point of its connection's life: mid-CONNECT,
 * between SUBSCRIBE and SUBACK, with QoS 1 or 2 publishes unconfirmed, during
 * a takeover. Whatever the point, the adapter must undo exactly what it
 * acquired: no queue, consumer, channel, session, registry entry or Redis key
 * is left once every client is gone and the persistent sessions are ended.
 * CLOSE_POINT_RUNS raises the number of scenarios (CI runs the default).
 */
const RUNS = Number(process.env.CLOSE_POINT_RUNS ?? 400);
const PARALLEL = 16;

async function gauge(adapter: Adapter, name: string): Promise<number> {
  const metric = adapter.metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values.reduce((n, v) => n + v.value, 0);
}

async function inPool<T>(
  items: T[],
  width: number,
  fn: (item: T, i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
}

/** Counts and the first few names, enough to start from without flooding the report. */
function brief(l: Leftovers | undefined): string {
  if (!l) return 'nothing read';
  const few = (xs: string[]): string => xs.slice(0, 5).join(', ') + (xs.length > 5 ? ', ...' : '');
  return `${l.queues.length} queues (${few(l.queues)}), ${l.consumers} consumers, ${l.redisKeys.length} Redis keys (${few(l.redisKeys)})`;
}

/** A clean CONNECT ends the session a persistent scenario left [MQTT-3.1.2-6]. */
async function endSession(port: number, clientId: string, version: 4 | 5): Promise<void> {
  const c = await mqtt.connectAsync({
    host: '127.0.0.1',
    port,
    clientId,
    clean: true,
    protocolVersion: version,
    reconnectPeriod: 0,
    ...GUEST,
  });
  await c.endAsync();
}

function describeStore(store: 'memory' | 'redis'): void {
  describe(`lifecycle: a socket closed at any point leaves nothing behind (${store} store)`, function () {
    this.timeout(240_000);
    const marker = uniqueId('closept');
    const redisPrefix = store === 'redis' ? `${marker}:` : undefined;
    let adapter: Adapter;
    let baseline: Leftovers;

    before(async () => {
      adapter = await startAdapter({
        MQTT_ADAPTER_STORE: store,
        ...(redisPrefix ? { MQTT_ADAPTER_REDIS_KEY_PREFIX: redisPrefix } : {}),
      });
      baseline = await leftovers(marker, redisPrefix);
    });
    after(async () => {
      await adapter?.stop();
      if (redisPrefix) await deleteRedisKeys(redisPrefix);
    });

    it(`${RUNS} random scenarios across v3.1.1/v5, clean/persistent, QoS 0/1/2, wills and takeovers`, async () => {
      const seed = Number(process.env.CLOSE_POINT_SEED ?? Date.now() % 2 ** 31);
      const sample: Scenario[] = fc.sample(scenarios, { numRuns: RUNS, seed });
      const persistent: { id: string; version: 4 | 5 }[] = [];
      await inPool(sample, PARALLEL, async (s, i) => {
        const id = `${marker}-${i}`;
        if (s.persistent) persistent.push({ id, version: s.version });
        await runScenario(adapter.ports.mqtt, s, id, `closept/${marker}/${i}`);
      });

      // Every client is gone: the process holds no connection and no session.
      await until(
        async () =>
          adapter.connectionCount === 0 &&
          (await gauge(adapter, 'mqtt_adapter_connections')) === 0 &&
          (await gauge(adapter, 'mqtt_adapter_sessions')) === 0,
        `connections and sessions back to 0 (seed ${seed})`,
        15_000,
      );
      // Nobody consumes any more, and only persistent sessions may keep a queue.
      const kept = new Set(persistent.map((p) => `mqtt-subscription-${p.id}qos1`));
      let seen: Leftovers | undefined;
      const settled = async (): Promise<boolean> => {
        seen = await leftovers(marker, redisPrefix);
        return seen.consumers === 0 && seen.queues.every((q) => kept.has(q));
      };
      await until(settled, 'consumers gone, clean queues deleted', 20_000).catch(() => {
        assert.fail(`seed ${seed}: left behind with no client connected: ${brief(seen)}`);
      });

      await inPool(persistent, PARALLEL, (p) => endSession(adapter.ports.mqtt, p.id, p.version));
      const back = async (): Promise<boolean> => {
        seen = await leftovers(marker, redisPrefix);
        return JSON.stringify(seen) === JSON.stringify(baseline);
      };
      await until(back, 'RabbitMQ and Redis back to baseline', 20_000).catch(() => undefined);
      const clean = sample.filter((s) => !s.persistent).length;
      console.log(
        `      ${RUNS} scenarios (seed ${seed}; ${clean} clean, ${RUNS - clean} persistent): ` +
          `left ${seen?.queues.length} queues, ${seen?.consumers} consumers, ` +
          `${(seen?.redisKeys.length ?? 0) - baseline.redisKeys.length} Redis keys over baseline`,
      );
      assert.equal(brief(seen), brief(baseline), `seed ${seed}`);
      assert.equal(await gauge(adapter, 'mqtt_adapter_sessions'), 0);
    });
  });
}

describeStore('memory');
describeStore('redis');
