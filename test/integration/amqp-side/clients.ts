import type { Socket } from 'node:net';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { GUEST } from '../helpers/adapter';
import { until } from '../helpers/wait';
import { connected } from '../helpers/mqttjs';

/** An mqtt.js client connected to the adapter (guest, no automatic reconnect unless asked). */
export async function connectMqtt(port: number, options: IClientOptions = {}): Promise<MqttClient> {
  const client = mqtt.connect({
    host: '127.0.0.1',
    port,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...GUEST,
    ...options,
  });
  await connected(client, 6000);
  // mqtt.js leaves Nagle on: a client that publishes while it PUBACKs deliveries then waits ~40 ms a packet.
  (client.stream as Partial<Socket>).setNoDelay?.(true);
  return client;
}

export async function endMqtt(...clients: (MqttClient | undefined)[]): Promise<void> {
  await Promise.all(
    clients.map(async (c) => {
      await c?.endAsync(true).catch(() => undefined);
    }),
  );
}

export interface Received {
  readonly topic: string;
  readonly payload: string;
  readonly packet: IPublishPacket;
}

/** Everything an mqtt.js client receives, with waits for what a test expects. */
export class Inbox {
  readonly messages: Received[] = [];

  constructor(client: MqttClient) {
    client.on('message', (topic, payload, packet) =>
      this.messages.push({ topic, payload: payload.toString(), packet }),
    );
  }

  payloads(topic?: string): string[] {
    return this.messages.filter((m) => topic === undefined || m.topic === topic).map((m) => m.payload);
  }

  /** Waits for a message with this payload and returns it. */
  async waitFor(payload: string, timeoutMs = 5000): Promise<Received> {
    await until(() => this.messages.some((m) => m.payload === payload), `message "${payload}"`, timeoutMs);
    return this.messages.find((m) => m.payload === payload) as Received;
  }

  async waitCount(n: number, timeoutMs = 5000): Promise<Received[]> {
    await until(() => this.messages.length >= n, `${n} messages (have ${this.messages.length})`, timeoutMs);
    return this.messages;
  }
}

/** Resolves once the client's connection has closed. */
export function closedOf(client: MqttClient): Promise<void> {
  if (!client.connected) return Promise.resolve();
  return new Promise((resolve) => client.once('close', () => resolve()));
}
