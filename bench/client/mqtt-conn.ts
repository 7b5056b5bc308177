import * as net from 'node:net';
import {
  DISCONNECT,
  connectPacket,
  pubackPacket,
  pubcompPacket,
  pubrecPacket,
  pubrelPacket,
  subscribePacket,
  type ConnectOptions,
  type QoS,
  type Version,
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
 * One MQTT 3.1.1 or 5 connection of the load generator, on a raw socket: it
 * sends pre-encoded packets, acknowledges QoS 1 and 2 deliveries (one write
 * per read), completes its own QoS 2 publishes, and counts unacknowledged
 * QoS 1 and 2 publishes.
 */
export class MqttConn {
  private readonly reader: PacketReader;
  private waiter: { resolve: (p: Incoming) => void; type: Incoming['type'] } | undefined;
  private nextId = 0;
  unacked = 0;
  closed = false;
  onMessage: ((payload: Buffer, qos: number) => void) | undefined;
  /** A publish of ours acknowledged: PUBACK (QoS 1) or PUBCOMP (QoS 2), by packet id. */
  onAck: ((id: number) => void) | undefined;
  onClose: (() => void) | undefined;

  private constructor(
    private readonly socket: net.Socket,
    readonly version: Version,
    /** QoS 2 messages received and PUBRECed, not yet released, by packet id: the state a session keeps across connections. */
    private readonly receiving: Map<number, Buffer>,
  ) {
    this.reader = new PacketReader(version);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.onClose?.();
    });
  }

  /**
   * Connects and waits for CONNACK; `onMessage` is set first, so messages right
   * behind the CONNACK count. A persistent session passes the same `receiving`
   * map to each of its connections, so a QoS 2 message resent after a reconnect
   * is not taken as a new one [MQTT-4.3.3-9]; a different payload under an id
   * still held is a new message (a server that restarted its packet ids).
   */
  static async open(
    at: Endpoint,
    o: ConnectOptions,
    onMessage?: (payload: Buffer, qos: number) => void,
    receiving = new Map<number, Buffer>(),
  ): Promise<MqttConn> {
    const socket = net.connect({ host: at.host, port: at.port, localAddress: at.localAddress });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const c = new MqttConn(socket, o.version ?? 4, receiving);
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

  async subscribe(filter: string, qos: QoS): Promise<number> {
    const ack = this.expect('suback');
    this.socket.write(subscribePacket(1, filter, qos, this.version));
    const p = await ack;
    if (p.type !== 'suback' || p.granted > qos) throw new Error(`SUBACK refused ${filter}`);
    return p.granted;
  }

  /** Allocates a packet id for a QoS 1 or 2 publish; undefined when 65535 are unacknowledged. */
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
        if (p.qos > 0) (acks ??= []).push(p.qos === 1 ? pubackPacket(p.id) : pubrecPacket(p.id));
        const held = p.qos === 2 ? this.receiving.get(p.id) : undefined;
        if (!held?.equals(p.payload)) this.onMessage?.(p.payload, p.qos);
        if (p.qos === 2) this.receiving.set(p.id, Buffer.from(p.payload));
      } else if (p.type === 'pubrel') {
        this.receiving.delete(p.id);
        (acks ??= []).push(pubcompPacket(p.id));
      } else if (p.type === 'pubrec') {
        (acks ??= []).push(pubrelPacket(p.id));
      } else if (p.type === 'puback' || p.type === 'pubcomp') {
        this.unacked--;
        this.onAck?.(p.id);
      } else if (this.waiter && this.waiter.type === p.type) {
        const w = this.waiter;
        this.waiter = undefined;
        w.resolve(p);
      }
    });
    if (acks) this.socket.write(acks.length === 1 ? acks[0] : Buffer.concat(acks));
  }
}
