import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { newHistogram, percentiles } from '../stats/histogram';
import { AdapterSystem } from '../systems/adapter';

/**
 * `node build/bench/qos2/main.js [--messages N] [--window W] [--persistent true|false]`
 * QoS 2 publishes from one client through one adapter (Redis stores) to one
 * QoS 2 subscriber: messages per second and PUBLISH-to-PUBCOMP latency with
 * `window` messages in flight. A persistent publisher pays the QoS 2 records
 * of its session (docs/architecture.md, "QoS 2 across a replica failure");
 * BENCH_ADAPTER_MAIN measures another build for a before/after. Uses the
 * shared RabbitMQ and Redis: run it under /tmp/itest.lock.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string', default: '5000' },
      window: { type: 'string', default: '16' },
      persistent: { type: 'string', default: 'true' },
    },
  });
  const total = Number(values.messages);
  const window = Number(values.window);
  const adapter = new AdapterSystem(false, { MQTT_ADAPTER_LOG_LEVEL: 'error' });
  await adapter.start();
  const tag = `qos2-bench-${process.pid}`;
  const topic = `bench/${tag}`;
  try {
    const sub = await connect(adapter.port, `${tag}-sub`, true);
    await sub.subscribeAsync(topic, { qos: 2 });
    let received = 0;
    sub.on('message', () => received++);
    const pub = await connect(adapter.port, `${tag}-pub`, values.persistent !== 'true');
    const h = newHistogram();
    const started = process.hrtime.bigint();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < total) {
        const n = next++;
        const t0 = process.hrtime.bigint();
        await pub.publishAsync(topic, String(n), { qos: 2 });
        h.recordValue(Number((process.hrtime.bigint() - t0) / 1000n));
      }
    };
    await Promise.all(Array.from({ length: window }, worker));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const deadline = Date.now() + 10_000;
    while (received < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const p = percentiles(h);
    process.stdout.write(
      `${JSON.stringify({
        adapter: process.env.BENCH_ADAPTER_MAIN ?? 'this build',
        persistent: values.persistent === 'true',
        messages: total,
        window,
        perSecond: Math.round(total / seconds),
        latencyUs: { p50: p.p50, p99: p.p99, max: p.max },
        received,
      })}\n`,
    );
    // A clean start discards the publisher's session before it leaves.
    await pub.endAsync();
    await (await connect(adapter.port, `${tag}-pub`, true)).endAsync();
    await sub.endAsync();
  } finally {
    await adapter.stop();
  }
}

async function connect(port: number, clientId: string, clean: boolean): Promise<MqttClient> {
  return mqtt.connectAsync({
    host: '127.0.0.1',
    port,
    clientId,
    clean,
    protocolVersion: 4,
    username: 'guest',
    password: 'guest',
    reconnectPeriod: 0,
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`qos2 bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
