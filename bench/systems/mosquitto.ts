import { MqttConn } from '../client/mqtt-conn';
import { SharedServiceSystem } from './shared-system';
import { LOOPBACK } from './types';

const HEAP_TOPIC = '$SYS/broker/heap/current';
const SYS_INTERVAL_MS = 10_000;

/**
 * Mosquitto's own count of heap bytes in use, as published on $SYS (each
 * sys_interval, 10 s by default, when it changed). Its RSS would not do: a long-running
 * Mosquitto keeps freed memory, so its RSS barely moves between runs.
 */
async function heapBytes(port: number): Promise<number> {
  const values: number[] = [];
  const conn = await MqttConn.open(
    { host: LOOPBACK, port },
    { clientId: `bench-heap-${process.pid}`, clean: true, keepalive: 0 },
    (payload) => values.push(Number(payload.toString('utf8'))),
  );
  await conn.subscribe(HEAP_TOPIC, 0);
  // The first message is the retained one; Mosquitto publishes again only when the count changed.
  const deadline = Date.now() + SYS_INTERVAL_MS + 1000;
  while (values.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await conn.disconnect();
  return values.length ? values[values.length - 1] : NaN;
}

/** The machine's Mosquitto on 1883, as it is configured. */
export class MosquittoSystem extends SharedServiceSystem {
  readonly name = 'mosquitto';
  readonly protocol = 'mqtt';
  readonly port = 1883;

  constructor() {
    super({ mosquitto: 'mosquitto' });
  }

  async memory(): Promise<Record<string, number>> {
    return { mosquitto: await heapBytes(this.port) };
  }

  override notes(): string[] {
    return [
      'mosquitto: the machine service on 1883, default limits (max_inflight_messages 20, max_queued_messages 1000); memory is its $SYS heap count',
    ];
  }
}
