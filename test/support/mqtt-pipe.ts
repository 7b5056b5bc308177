import { duplexPair, type Duplex } from 'node:stream';
import * as mqtt from 'mqtt-packet';

/**
 * An MQTT client on one end of an in-memory duplex pair: it writes real
 * packet bytes (mqtt-packet generate) and parses what the server writes back.
 * The other end is the server's socket.
 */
export class MqttPipe {
  readonly server: Duplex;
  private readonly client: Duplex;
  private readonly received: mqtt.Packet[] = [];
  private readonly waiters: (() => void)[] = [];
  private ended = false;
  readonly closed: Promise<void>;

  constructor(private readonly protocolVersion: 4 | 5 = 4) {
    const [client, server] = duplexPair();
    this.client = client;
    this.server = server;
    const parser = mqtt.parser({ protocolVersion });
    parser.on('packet', (p: mqtt.Packet) => {
      this.received.push(p);
      this.wake();
    });
    client.on('data', (b: Buffer) => parser.parse(b));
    // A client hangs up once the server has closed its side, as a TCP peer does.
    client.once('end', () => client.end());
    this.closed = new Promise((resolve) => {
      const done = (): void => {
        this.ended = true;
        this.wake();
        resolve();
      };
      client.once('end', done);
      client.once('close', done);
    });
    client.on('error', () => undefined);
  }

  send(p: mqtt.Packet): void {
    this.client.write(mqtt.generate(p, { protocolVersion: this.protocolVersion }));
  }

  /** Sends several packets in one write, as a client that pipelines them. */
  sendAll(ps: readonly mqtt.Packet[]): void {
    const opts = { protocolVersion: this.protocolVersion };
    this.client.write(Buffer.concat(ps.map((p) => mqtt.generate(p, opts))));
  }

  /** The next packet of kind `cmd` from the server (earlier ones of other kinds stay queued). */
  async next<C extends mqtt.Packet['cmd']>(cmd: C): Promise<Extract<mqtt.Packet, { cmd: C }>> {
    for (;;) {
      const i = this.received.findIndex((p) => p.cmd === cmd);
      if (i >= 0) return this.received.splice(i, 1)[0] as Extract<mqtt.Packet, { cmd: C }>;
      if (this.ended) throw new Error(`connection closed before a ${cmd}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** The packets received and not yet taken, by kind. */
  get unread(): string[] {
    return this.received.map((p) => p.cmd);
  }

  /** The client stops reading (true) or reads again (false): what the server writes backs up meanwhile. */
  stall(on: boolean): void {
    if (on) this.client.pause();
    else this.client.resume();
  }

  /** The client hangs up (its socket closes, as on a dropped TCP connection). */
  hangUp(): void {
    this.client.destroy();
    this.server.destroy();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
