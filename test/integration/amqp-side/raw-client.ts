import * as net from 'node:net';
import {
  generate,
  parser as createParser,
  type IConnackPacket,
  type IPublishPacket,
  type ISubackPacket,
  type Packet,
} from 'mqtt-packet';

export interface RawConnect {
  readonly clientId: string;
  readonly clean: boolean;
  readonly username?: string;
  readonly password?: string;
  readonly keepalive?: number;
}

interface Waiter {
  readonly match: (p: Packet) => boolean;
  readonly resolve: (p: Packet) => void;
}

/**
 * An MQTT 3.1.1 client over a bare socket, for what mqtt.js does not let a
 * test do: withhold PUBACKs, read the DUP flag and session-present exactly,
 * or stop reading altogether. Received packets queue up until a test takes them.
 */
export class RawClient {
  private readonly inbox: Packet[] = [];
  private readonly waiters = new Set<Waiter>();
  private nextId = 1;
  readonly closed: Promise<void>;
  isClosed = false;

  private constructor(readonly socket: net.Socket) {
    const parser = createParser({ protocolVersion: 4 });
    parser.on('packet', (p: Packet) => this.receive(p));
    socket.on('data', (chunk: Buffer) => parser.parse(chunk));
    socket.on('error', () => {
      // 'close' follows; tests look at `closed`.
    });
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        resolve();
      }),
    );
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Opens a socket, sends CONNECT and returns the client with the CONNACK it got. */
  static async connect(port: number, c: RawConnect): Promise<{ client: RawClient; connack: IConnackPacket }> {
    const client = await RawClient.open(port);
    client.send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clientId: c.clientId,
      clean: c.clean,
      keepalive: c.keepalive ?? 60,
      username: c.username ?? 'guest',
      password: Buffer.from(c.password ?? 'guest'),
    });
    const connack = (await client.next((p) => p.cmd === 'connack', 'CONNACK')) as IConnackPacket;
    return { client, connack };
  }

  private receive(p: Packet): void {
    for (const w of this.waiters) {
      if (w.match(p)) {
        this.waiters.delete(w);
        w.resolve(p);
        return;
      }
    }
    this.inbox.push(p);
  }

  send(p: Packet): void {
    this.socket.write(generate(p, { protocolVersion: 4 }));
  }

  /** Takes the first received packet that matches, waiting up to `timeoutMs` for it. */
  next(match: (p: Packet) => boolean, what: string, timeoutMs = 5000): Promise<Packet> {
    const i = this.inbox.findIndex(match);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        match,
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(new Error(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(w);
    });
  }

  /** Takes the next `n` PUBLISH packets, in arrival order. */
  async publishes(n: number, timeoutMs = 5000): Promise<IPublishPacket[]> {
    const deadline = Date.now() + timeoutMs;
    const out: IPublishPacket[] = [];
    while (out.length < n) {
      const left = Math.max(1, deadline - Date.now());
      out.push(
        (await this.next(
          (p) => p.cmd === 'publish',
          `PUBLISH ${out.length + 1} of ${n}`,
          left,
        )) as IPublishPacket,
      );
    }
    return out;
  }

  /** PUBLISH packets received and not yet taken. */
  get pendingPublishes(): IPublishPacket[] {
    return this.inbox.filter((p): p is IPublishPacket => p.cmd === 'publish');
  }

  async subscribe(filters: { topic: string; qos: 0 | 1 }[]): Promise<number[]> {
    const messageId = this.nextId++;
    this.send({ cmd: 'subscribe', messageId, subscriptions: filters });
    const suback = (await this.next(
      (p) => p.cmd === 'suback' && p.messageId === messageId,
      'SUBACK',
    )) as ISubackPacket;
    return suback.granted as number[];
  }

  /** Sends a PUBLISH and waits for nothing; a QoS 1 one needs its packet id. */
  sendPublish(topic: string, payload: string | Buffer, qos: 0 | 1 = 0, messageId?: number): void {
    this.send({
      cmd: 'publish',
      topic,
      payload: Buffer.from(payload),
      qos,
      retain: false,
      dup: false,
      messageId,
    });
  }

  /** The packet ids of the next `n` PUBACKs, in arrival order. */
  async pubacks(n: number, timeoutMs = 10_000): Promise<number[]> {
    const ids: number[] = [];
    while (ids.length < n) {
      const p = await this.next((x) => x.cmd === 'puback', `PUBACK ${ids.length + 1} of ${n}`, timeoutMs);
      ids.push(p.messageId!);
    }
    return ids;
  }

  /** Publishes; for QoS 1 resolves on PUBACK. */
  async publish(topic: string, payload: string | Buffer, qos: 0 | 1 = 0, retain = false): Promise<void> {
    const messageId = qos > 0 ? this.nextId++ : undefined;
    this.send({ cmd: 'publish', topic, payload: Buffer.from(payload), qos, retain, dup: false, messageId });
    if (qos > 0) await this.next((p) => p.cmd === 'puback' && p.messageId === messageId, 'PUBACK');
  }

  puback(messageId: number): void {
    this.send({ cmd: 'puback', messageId });
  }

  /** Sends DISCONNECT and waits for the server to close. */
  async disconnect(): Promise<void> {
    if (this.isClosed) return;
    this.send({ cmd: 'disconnect' });
    this.socket.end();
    await this.closed;
  }

  /** Drops the connection without DISCONNECT, as a crashed client would. */
  async destroy(): Promise<void> {
    this.socket.destroy();
    await this.closed;
  }
}
