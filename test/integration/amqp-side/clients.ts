import type { Socket } from 'node:net';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { GUEST } from '../helpers/adapter';

/** Retries `check` until it returns true, for effects that arrive asynchronously. */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Rejects when `p` has not settled within `ms`. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

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
  await within(
    new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
      client.once('close', () => reject(new Error('closed before CONNACK')));
    }),
    6000,
    'mqtt.js CONNECT',
  );
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
