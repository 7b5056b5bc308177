import { once } from 'node:events';
import { generate } from 'mqtt-packet';
import type { RawMqtt } from '../helpers/raw-mqtt';

/**
 * Writes `count` QoS 0 PUBLISH packets of `size` bytes as fast as the socket
 * takes them. It honours the socket's own backpressure, so what piles up is in
 * the kernel and the adapter, not in this test process.
 */
export async function flood(client: RawMqtt, topic: string, count: number, size: number): Promise<void> {
  const packet = generate(
    { cmd: 'publish', topic, payload: Buffer.alloc(size, 0x61), qos: 0, retain: false, dup: false },
    { protocolVersion: 4 },
  );
  for (let i = 0; i < count; i++) {
    if (client.isClosed) throw new Error(`connection closed after ${i} of ${count} publishes`);
    if (!client.socket.write(packet)) await Promise.race([once(client.socket, 'drain'), client.closed]);
  }
}
