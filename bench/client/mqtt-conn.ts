import * as net from 'node:net';
import {
  DISCONNECT,
  connectPacket,
  pubackPacket,
  subscribePacket,
  type ConnectOptions,
} from '../wire/packets';
import { PacketReader, type Incoming } from '../wire/reader';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
  /** Source address, so many connections spread over 127.0.0.x and their port ranges. */
  readonly localAddress?: string;
}

/** Above this many unsent bytes the generator counts a send as not made (backlog). */
const BACKLOG_BYTES = 8 * 1024 * 1024;
const TIMEOUT_MS = 20_000;

/**
 * One MQTT 3.1.1 connection of the load generator, on a raw socket: it sends
 * pre-encoded packets, PUBACKs QoS 1 deliveries (one write per read), and
 * counts unacknowledged QoS 1 publishes.
 */
export class MqttConn {
  private readonly reader = new PacketReader();
  private waiter: { resolve: (p: Incoming) => void; type: Incoming['type'] } | undefined;
  private nextId = 0;
  unacked = 0;
  closed = false;
  onMessage: ((payload: Buffer, qos: number) => void) | undefined;
  onClose: (() => void) | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.onClose?.();
    });
  }

  /** Connects and waits for CONNACK; `onMessage` is set first, so messages right behind the CONNACK count. */
  static async open(
    at: Endpoint,
    o: ConnectOptions,
    onMessage?: (payload: Buffer, qos: number) => void,
  ): Promise<MqttConn> {
    const socket = net.connect({ host: at.host, port: at.port, localAddress: at.localAddress });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const c = new MqttConn(socket);
    c.onMessage = onMessage;
    const ack = c.expect('connack');
    socket.write(connectPacket(o));
    const p = await ack;
    if (p.type !== 'connack' || p.code !== 0) {
      socket.destroy();
      throw new Error(`CONNACK refused (${p.type === 'connack' ? p.code : p.type})`);
    }
    return c;
  }

  async subscribe(filter: string, qos: 0 | 1): Promise<number> {
    const ack = this.expect('suback');
    this.socket.write(subscribePacket(1, filter, qos));
    const p = await ack;
    if (p.type !== 'suback' || p.granted > 1) throw new Error(`SUBACK refused ${filter}`);
    return p.granted;
  }

  /** Allocates a packet id for a QoS 1 publish; undefined when 65535 are unacknowledged. */
  allocateId(): number | undefined {
    if (this.unacked >= 65535) return undefined;
    this.unacked++;
    this.nextId = (this.nextId % 65535) + 1;
    return this.nextId;
  }

  /** Writes a packet unless the socket is backlogged or closed; false when not sent. */
  write(packet: Buffer): boolean {
    if (this.closed || this.socket.writableLength > BACKLOG_BYTES) return false;
    this.socket.write(packet);
    return true;
  }

  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  async disconnect(): Promise<void> {
    if (this.closed) return;
    const closed = new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
    this.socket.end(DISCONNECT);
    const t = setTimeout(() => this.socket.destroy(), 3000);
    await closed;
    clearTimeout(t);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private expect(type: Incoming['type']): Promise<Incoming> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`no ${type} within ${TIMEOUT_MS} ms`));
      }, TIMEOUT_MS);
      this.socket.once('close', () => reject(new Error(`closed while waiting for ${type}`)));
      this.waiter = {
        type,
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
      };
    });
  }

  private onData(chunk: Buffer): void {
    let acks: Buffer[] | undefined;
    this.reader.push(chunk, (p) => {
      if (p.type === 'publish') {
        if (p.qos > 0) (acks ??= []).push(pubackPacket(p.id));
        this.onMessage?.(p.payload, p.qos);
      } else if (p.type === 'puback') {
        this.unacked--;
      } else if (this.waiter && this.waiter.type === p.type) {
        const w = this.waiter;
        this.waiter = undefined;
        w.resolve(p);
      }
    });
    if (acks) this.socket.write(acks.length === 1 ? acks[0] : Buffer.concat(acks));
  }
}
