import type { Adapter } from '../../../../adapter/src/server';
import { rabbitState } from '../../../guard/rabbit-state';
import { deleteRedisKeys } from '../../v5/support';
import { startAdapter, uniqueId } from '../adapter';
import { addVhost, deleteVhost } from '../rabbit';
import { until, within } from '../wait';

/**
 * The adapter a fuzz run targets: in this process (an exception that escapes
 * it fails the run), on the shared RabbitMQ and Redis but in a virtual host
 * and key prefix of its own, removed at the end whatever the fuzzer's
 * CONNECTs left behind (persistent sessions, retained messages). Keepalive
 * and CONNECT timeout are short, so every connection ends soon once idle.
 */
export interface FuzzTarget {
  readonly adapter: Adapter;
  readonly id: string;
  /** Waits until every connection, session and consumer of the run is gone (the channels, pooled, go when the adapter stops); throws naming what is left. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/** Consumers of the run's client queues (not the pod's own QoS 0 queue, consumed while the adapter runs). */
async function clientConsumers(vhost: string): Promise<string[]> {
  const held: string[] = [];
  for (const [key, value] of await rabbitState())
    if (key.startsWith(`queue ${vhost} `) && !key.includes('-qos0-') && Number(value) > 0) held.push(key);
  return held;
}

export async function startFuzzTarget(): Promise<FuzzTarget> {
  const id = uniqueId('fuzz');
  const vhost = id;
  const prefix = `${id}:`;
  await addVhost(vhost);
  const adapter = await startAdapter({
    MQTT_ADAPTER_STORE: 'redis',
    MQTT_ADAPTER_REDIS_KEY_PREFIX: prefix,
    MQTT_ADAPTER_VHOST: vhost,
    MQTT_ADAPTER_CONNECT_TIMEOUT_MS: '1000',
    MQTT_ADAPTER_SERVER_KEEPALIVE: '1',
    MQTT_ADAPTER_SESSION_EXPIRY_MAX: '60',
  }).catch(async (err: unknown) => {
    await deleteVhost(vhost);
    throw err;
  });
  return {
    adapter,
    id,
    settled: async () => {
      let left = '';
      await until(
        async () => {
          const sessions = (await adapter.metrics.sessions.get()).values[0]?.value ?? 0;
          const consumed = await clientConsumers(vhost);
          left = `${adapter.connectionCount} connections, ${sessions} sessions, consumed: ${consumed.join(', ')}`;
          return adapter.connectionCount === 0 && sessions === 0 && consumed.length === 0;
        },
        'the fuzz run to leave nothing open',
        15_000,
      ).catch(() => {
        throw new Error(`left open after the run: ${left}`);
      });
    },
    stop: async () => {
      try {
        // A run that found a fault may leave the adapter unable to stop; its vhost and keys go regardless.
        await within(adapter.stop(), 30_000, 'the fuzzed adapter to stop');
      } finally {
        await deleteVhost(vhost);
        await deleteRedisKeys(prefix);
      }
    },
  };
}
