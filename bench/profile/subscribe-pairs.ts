import { performance } from 'node:perf_hooks';
import mqtt from 'mqtt';
import { MAIN_JS, spawnAdapter, type AdapterProcess } from '../../test/integration/helpers/adapter';

/**
 * `node build/bench/profile/subscribe-pairs.js <other main.js> [pairs]`: the
 * first SUBSCRIBE -> SUBACK of a clean session, QoS 0 and QoS 1, on this
 * build and on another (its build/adapter/src/main.js), as pairs of samples
 * taken one right after the other, in alternating order. On a machine others
 * load, a pair shares its moment's load, so how often this build wins tells a
 * difference that the spread of separate runs hides. Memory store: the SUBACK
 * waits for no store write.
 */

async function firstSubscribe(port: number, qos: 0 | 1, clientId: string): Promise<number> {
  const c = await mqtt.connectAsync({
    host: '127.0.0.1',
    port,
    clean: true,
    clientId,
    username: 'guest',
    password: 'guest',
    reconnectPeriod: 0,
  });
  try {
    const start = performance.now();
    await c.subscribeAsync(`bench-pairs/${clientId}/+`, { qos });
    return performance.now() - start;
  } finally {
    await c.endAsync();
  }
}

const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

async function main(): Promise<void> {
  const other = process.argv[2];
  const pairs = Number(process.argv[3] ?? 300);
  if (!other) throw new Error('usage: subscribe-pairs.js <other build main.js> [pairs]');
  // At the default log level: spawnAdapter reads the ports from the start-up line.
  const env = { MQTT_ADAPTER_STORE: 'memory' };
  const started: AdapterProcess[] = [];
  try {
    const here = await spawnAdapter(env, MAIN_JS);
    started.push(here);
    const there = await spawnAdapter(env, other);
    started.push(there);
    for (const qos of [0, 1] as const) {
      const ms = { here: [] as number[], there: [] as number[] };
      let wins = 0;
      for (let i = 0; i < pairs; i++) {
        const id = `bench-pairs-${process.pid}-${qos}-${i}`;
        const take = async (side: 'here' | 'there'): Promise<number> =>
          firstSubscribe((side === 'here' ? here : there).ports.mqtt, qos, `${id}-${side}`);
        const [a, b] = i % 2 === 0 ? (['here', 'there'] as const) : (['there', 'here'] as const);
        const first = await take(a);
        const second = await take(b);
        const got = a === 'here' ? { here: first, there: second } : { here: second, there: first };
        ms.here.push(got.here);
        ms.there.push(got.there);
        if (got.here < got.there) wins++;
      }
      const figures = (v: number[]): string =>
        `p50 ${quantile(v, 0.5).toFixed(2)} p99 ${quantile(v, 0.99).toFixed(2)} ms`;
      console.log(
        `QoS ${qos} first SUBSCRIBE, ${pairs} pairs: this build ${figures(ms.here)}; ` +
          `the other ${figures(ms.there)}; this build faster in ${wins}/${pairs} pairs`,
      );
    }
  } finally {
    for (const a of started) await a.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
