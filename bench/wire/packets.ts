import { generate } from 'mqtt-packet';

/** Encoders for the MQTT 3.1.1 packets the load generator sends. */

export interface ConnectOptions {
  readonly clientId: string;
  readonly clean: boolean;
  readonly username?: string;
  readonly password?: string;
  readonly keepalive: number;
}

export function connectPacket(o: ConnectOptions): Buffer {
  return generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clientId: o.clientId,
    clean: o.clean,
    keepalive: o.keepalive,
    username: o.username,
    password: o.password === undefined ? undefined : Buffer.from(o.password),
  });
}

export function subscribePacket(messageId: number, filter: string, qos: 0 | 1): Buffer {
  return generate({ cmd: 'subscribe', messageId, subscriptions: [{ topic: filter, qos }] });
}

export const DISCONNECT = Buffer.from([0xe0, 0x00]);
export const PINGREQ = Buffer.from([0xc0, 0x00]);

export function pubackPacket(messageId: number): Buffer {
  return Buffer.from([0x40, 0x02, messageId >> 8, messageId & 0xff]);
}

/**
 * A pre-encoded PUBLISH for one topic. Each send copies the template and
 * patches the packet id and the payload stamp, so the hot path does no encoding.
 */
export class PublishTemplate {
  private readonly template: Buffer;
  readonly payloadOffset: number;

  constructor(
    topic: string,
    readonly qos: 0 | 1,
    payloadSize: number,
  ) {
    this.template = generate({
      cmd: 'publish',
      topic,
      qos,
      messageId: qos > 0 ? 1 : undefined,
      retain: false,
      dup: false,
      payload: Buffer.alloc(payloadSize),
    });
    this.payloadOffset = this.template.length - payloadSize;
  }

  /** A fresh copy to patch and write; `messageId` is ignored at QoS 0. */
  copy(messageId: number): Buffer {
    const b = Buffer.allocUnsafe(this.template.length);
    this.template.copy(b);
    if (this.qos > 0) b.writeUInt16BE(messageId, this.payloadOffset - 2);
    return b;
  }
}
