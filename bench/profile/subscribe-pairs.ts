import { performance } from 'node:perf_hooks';
import type mqtt from 'mqtt';
import { guestClient } from './guest-client';
import { MAIN_JS, spawnAdapter, type AdapterProcess } from '../../test/integration/helpers/adapter';

/**
 * `node build/bench/profile/subscribe-pairs.js <other main.js> [pairs] [NAME=value ...]`: the
 * first SUBSCRIBE -> SUBACK of a clean session, and the next one of the same
 * session to another filter, QoS 0 and QoS 1, on this build and on another (its build/adapter/src/main.js), as pairs of samples
 * taken one right after the other, in alternating order. On a machine others
 * load, a pair shares its moment's load, so how often this build wins tells a
 * difference that the spread of separate runs hides. Memory store: the SUBACK
 * waits for no store write. Settings given as NAME=value go to this build
 * only: with this build's own main.js as the other, they are measured against
 * the same build without them (`MQTT_ADAPTER_READY_QUEUES=4`, say).
 */

interface Sample {
  readonly first: number;
  readonly next: number;
}

async function timedSubscribe(c: mqtt.MqttClient, filter: string, qos: 0 | 1): Promise<number> {
  const start = performance.now();
  await c.subscribeAsync(filter, { qos });
  return performance.now() - start;
}

async function subscribeTwice(port: number, qos: 0 | 1, clientId: string): Promise<Sample> {
  const c = await guestClient(port, clientId);
  try {
    const first = await timedSubscribe(c, `bench-pairs/${clientId}/a/+`, qos);
    const next = await timedSubscribe(c, `bench-pairs/${clientId}/b/+`, qos);
    return { first, next };
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
  if (!other) throw new Error('usage: subscribe-pairs.js <other build main.js> [pairs] [NAME=value ...]');
  const settings = process.argv.slice(4).map((a) => {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new Error(`not a NAME=value setting: ${a}`);
    return [a.slice(0, eq), a.slice(eq + 1)] as const;
  });
  // At the default log level: spawnAdapter reads the ports from the start-up line.
  const env = { MQTT_ADAPTER_STORE: 'memory' };
  const started: AdapterProcess[] = [];
  try {
    const ours = await spawnAdapter({ ...env, ...Object.fromEntries(settings) }, MAIN_JS);
    started.push(ours);
    const theirs = await spawnAdapter(env, other);
    started.push(theirs);
    for (const qos of [0, 1] as const) {
      const here: Sample[] = [];
      const there: Sample[] = [];
      for (let i = 0; i < pairs; i++) {
        const id = `bench-pairs-${process.pid}-${qos}-${i}`;
        const take = async (side: 'here' | 'there'): Promise<Sample> =>
          subscribeTwice((side === 'here' ? ours : theirs).ports.mqtt, qos, `${id}-${side}`);
        if (i % 2 === 0) {
          here.push(await take('here'));
          there.push(await take('there'));
        } else {
          there.push(await take('there'));
          here.push(await take('here'));
        }
      }
      for (const which of ['first', 'next'] as const) {
        const a = here.map((s) => s[which]);
        const b = there.map((s) => s[which]);
        const wins = a.filter((v, i) => v < b[i]).length;
        const figures = (v: number[]): string =>
          `p50 ${quantile(v, 0.5).toFixed(2)} p99 ${quantile(v, 0.99).toFixed(2)} ms`;
        console.log(
          `QoS ${qos} ${which} SUBSCRIBE, ${pairs} pairs: this build ${figures(a)}; ` +
            `the other ${figures(b)}; this build faster in ${wins}/${pairs} pairs`,
        );
      }
    }
  } finally {
    for (const a of started) await a.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
