import * as net from 'node:net';
import * as tls from 'node:tls';
import {
  generate,
  parser as createParser,
  type IConnackPacket,
  type IConnectPacket,
  type IPublishPacket,
  type ISubackPacket,
  type Packet,
} from 'mqtt-packet';
import { GUEST, uniqueId } from './adapter';
import { onCleanup } from './cleanup';
import { within } from './wait';

/** MQTT 3.1 (3), 3.1.1 (4) or 5. */
export type ProtocolLevel = 3 | 4 | 5;

export interface OpenOptions {
  /** The level to parse what comes back at, until a CONNECT sent says otherwise; 4 by default. */
  readonly protocolVersion?: ProtocolLevel;
  /** Connect over TLS with these options (to the adapter's TLS port). */
  readonly tls?: tls.ConnectionOptions;
  /** Bytes sent first on the TCP connection, before TLS if any: a PROXY protocol header. */
  readonly preamble?: Buffer;
}

export type ConnectFields = Partial<IConnectPacket>;

type Of<C extends Packet['cmd']> = Extract<Packet, { cmd: C }>;

/** A CONNECT: MQTT 3.1.1, clean session, no keepalive, guest, a fresh client id, unless `fields` say otherwise. */
export function connectPacket(fields: ConnectFields = {}): IConnectPacket {
  return {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    keepalive: 0,
    clientId: uniqueId('raw'),
    username: GUEST.username,
    password: Buffer.from(GUEST.password),
    ...fields,
  };
}

/**
 * An MQTT client over a bare socket (TCP or TLS, any protocol level), for what
 * mqtt.js does not let a test do: send malformed or out-of-order packets,
 * withhold acknowledgements, read DUP and session-present exactly, or stop
 * reading. Every packet received is kept in `packets`; the `next*` methods take
 * from those not yet taken. Every instance is closed by the suite's clean-up.
 */
export class RawMqtt {
  /** Every packet received, in arrival order, taken or not. */
  readonly packets: Packet[] = [];
  private readonly queue: Packet[] = [];
  private readonly wakers = new Set<() => void>();
  private parser: ReturnType<typeof createParser>;
  private nextId = 1;
  readonly closed: Promise<void>;
  isClosed = false;

  private constructor(
    readonly socket: net.Socket,
    private level: ProtocolLevel,
  ) {
    this.parser = this.parserFor(level);
    socket.on('data', (chunk: Buffer) => this.parser.parse(chunk));
    // 'close' follows an error; tests look at `closed`.
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        this.wakeAll();
        resolve();
      }),
    );
    onCleanup(() => void socket.destroy());
  }

  /** Opens a socket and sends nothing. */
  static open(port: number, options: OpenOptions = {}): Promise<RawMqtt> {
    const secure = options.tls;
    return new Promise((resolve, reject) => {
      const preamble = options.preamble;
      const tcp = (): net.Socket => net.connect({ host: '127.0.0.1', port }).setNoDelay(true);
      const raw = preamble ? tcp() : undefined;
      if (raw && preamble) raw.write(preamble);
      const socket = secure
        ? tls.connect({ host: '127.0.0.1', port, ...(raw ? { socket: raw } : {}), ...secure })
        : (raw ?? tcp());
      socket.once(secure ? 'secureConnect' : 'connect', () =>
        resolve(new RawMqtt(socket, options.protocolVersion ?? 4)),
      );
      socket.once('error', reject);
    });
  }

  /** Opens a socket (TLS with `tlsOptions`), sends CONNECT (see connectPacket) and returns the client with its CONNACK. */
  static async connect(
    port: number,
    fields: ConnectFields = {},
    tlsOptions?: tls.ConnectionOptions,
  ): Promise<{ client: RawMqtt; connack: IConnackPacket }> {
    const client = await RawMqtt.open(port, { protocolVersion: fields.protocolVersion, tls: tlsOptions });
    client.send(connectPacket(fields));
    const connack = await client.nextOf('connack', 9000);
    return { client, connack };
  }

  /** The same at MQTT 5. */
  static connect5(
    port: number,
    fields: ConnectFields = {},
    tlsOptions?: tls.ConnectionOptions,
  ): Promise<{ client: RawMqtt; connack: IConnackPacket }> {
    return RawMqtt.connect(port, { protocolVersion: 5, ...fields }, tlsOptions);
  }

  /** Sends a packet at the connection's level; a CONNECT sets that level, as it does for the server. */
  send(p: Packet): void {
    if (p.cmd === 'connect' && (p.protocolVersion ?? 4) !== this.level) {
      this.level = p.protocolVersion as ProtocolLevel;
      this.parser = this.parserFor(this.level);
    }
    this.socket.write(generate(p, { protocolVersion: this.level }));
  }

  write(bytes: Buffer | number[]): void {
    this.socket.write(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));
  }

  /** Packets received and not yet taken. */
  get unread(): readonly Packet[] {
    return this.queue;
  }

  /** Every packet of a type received so far, taken or not. */
  all<C extends Packet['cmd']>(cmd: C): Of<C>[] {
    return this.packets.filter((p) => p.cmd === cmd) as Of<C>[];
  }

  /**
   * The next packet not yet taken, or the first that matches (leaving the others
   * for later); rejects, with "no <what>", when the connection closes first or
   * none comes within `ms`.
   */
  next(ms?: number): Promise<Packet>;
  next(match: (p: Packet) => boolean, what: string, ms?: number): Promise<Packet>;
  next(matchOrMs?: ((p: Packet) => boolean) | number, what = 'packet', ms = 5000): Promise<Packet> {
    const [match, timeout] =
      typeof matchOrMs === 'function' ? [matchOrMs, ms] : [() => true, matchOrMs ?? ms];
    return this.take(
      () => {
        const i = this.queue.findIndex(match);
        return i >= 0 ? this.queue.splice(i, 1)[0] : undefined;
      },
      what,
      timeout,
    );
  }

  /** The next packet of this type, dropping the others before it (PINGRESP, say). */
  nextOf<C extends Packet['cmd']>(cmd: C, ms = 7000): Promise<Of<C>> {
    return this.take(
      () => {
        for (let p = this.queue.shift(); p; p = this.queue.shift()) if (p.cmd === cmd) return p as Of<C>;
        return undefined;
      },
      cmd.toUpperCase(),
      ms,
    );
  }

  /** PUBLISH packets received and not yet taken. */
  get pendingPublishes(): IPublishPacket[] {
    return this.queue.filter((p): p is IPublishPacket => p.cmd === 'publish');
  }

  /** Takes the next `n` PUBLISH packets, in arrival order. */
  async publishes(n: number, ms = 5000): Promise<IPublishPacket[]> {
    const deadline = Date.now() + ms;
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

  /** The packet ids of the next `n` PUBACKs, in arrival order. */
  async pubacks(n: number, ms = 10_000): Promise<number[]> {
    const ids: number[] = [];
    while (ids.length < n) {
      const p = await this.next((x) => x.cmd === 'puback', `PUBACK ${ids.length + 1} of ${n}`, ms);
      ids.push(p.messageId!);
    }
    return ids;
  }

  /** Subscribes with the next packet id and returns the SUBACK's granted QoS (or reason codes). */
  async subscribe(filters: { topic: string; qos: 0 | 1 | 2 }[]): Promise<number[]> {
    const messageId = this.nextId++;
    this.send({ cmd: 'subscribe', messageId, subscriptions: filters });
    const suback = (await this.next(
      (p) => p.cmd === 'suback' && p.messageId === messageId,
      'SUBACK',
    )) as ISubackPacket;
    return suback.granted as number[];
  }

  /** Sends a PUBLISH and waits for nothing; QoS 1 and 2 need a packet id. */
  sendPublish(topic: string, payload: string | Buffer, qos: 0 | 1 | 2 = 0, messageId?: number): void {
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

  /** Publishes through the whole flow of its QoS: PUBACK for 1, PUBREC, PUBREL and PUBCOMP for 2. */
  async publish(topic: string, payload: string | Buffer, qos: 0 | 1 | 2 = 0, retain = false): Promise<void> {
    const messageId = qos > 0 ? this.nextId++ : undefined;
    const acked = (cmd: Packet['cmd']) => (p: Packet) => p.cmd === cmd && p.messageId === messageId;
    this.send({ cmd: 'publish', topic, payload: Buffer.from(payload), qos, retain, dup: false, messageId });
    if (qos === 1) await this.next(acked('puback'), 'PUBACK');
    if (qos === 2) {
      await this.next(acked('pubrec'), 'PUBREC');
      this.send({ cmd: 'pubrel', messageId });
      await this.next(acked('pubcomp'), 'PUBCOMP');
    }
  }

  puback(messageId: number): void {
    this.send({ cmd: 'puback', messageId });
  }

  /**
   * The server ending the connection: the DISCONNECT reason code if it sent one
   * (MQTT 5), once the socket has closed, within `ms`.
   */
  async serverClose(ms = 7000): Promise<{ reasonCode: number | undefined }> {
    await this.waitClosed(ms);
    const d = this.all('disconnect')[0];
    return { reasonCode: d ? (d.reasonCode ?? 0) : undefined };
  }

  /** Resolves once the server has closed the connection. */
  waitClosed(ms = 5000): Promise<void> {
    return within(this.closed, ms, 'the server closing the raw connection');
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

  /** Half-closes: the server sees end of stream. */
  end(): void {
    this.socket.end();
  }

  private parserFor(level: ProtocolLevel): ReturnType<typeof createParser> {
    const parser = createParser({ protocolVersion: level });
    parser.on('packet', (p: Packet) => {
      this.packets.push(p);
      this.queue.push(p);
      this.wakeAll();
    });
    parser.on('error', () => undefined);
    return parser;
  }

  private wakeAll(): void {
    for (const wake of [...this.wakers]) wake();
  }

  /** Waits for `pick` to find a packet, failing on close or at the deadline. */
  private async take<P extends Packet>(pick: () => P | undefined, what: string, ms: number): Promise<P> {
    const deadline = Date.now() + ms;
    for (;;) {
      const p = pick();
      if (p) return p;
      if (this.isClosed) throw new Error(`connection closed with no ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.wakers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.wakers.add(wake);
      });
    }
  }
}
