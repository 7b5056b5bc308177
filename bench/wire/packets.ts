import { generate } from 'mqtt-packet';

/** Encoders for the MQTT 3.1.1 and 5 packets the load generator sends. */

export type Version = 4 | 5;
export type QoS = 0 | 1 | 2;

export interface ConnectOptions {
  readonly clientId: string;
  readonly clean: boolean;
  readonly username?: string;
  readonly password?: string;
  readonly keepalive: number;
  /** 4 (MQTT 3.1.1, the default) or 5. */
  readonly version?: Version;
  /** MQTT 5 Session Expiry Interval in seconds (0 or unset: the session ends with the connection). */
  readonly sessionExpiry?: number;
}

export function connectPacket(o: ConnectOptions): Buffer {
  const version = o.version ?? 4;
  return generate(
    {
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: version,
      clientId: o.clientId,
      clean: o.clean,
      keepalive: o.keepalive,
      username: o.username,
      password: o.password === undefined ? undefined : Buffer.from(o.password),
      ...(version === 5 && o.sessionExpiry ? { properties: { sessionExpiryInterval: o.sessionExpiry } } : {}),
    },
    { protocolVersion: version },
  );
}

export function subscribePacket(messageId: number, filter: string, qos: QoS, version: Version = 4): Buffer {
  return generate(
    { cmd: 'subscribe', messageId, subscriptions: [{ topic: filter, qos }] },
    { protocolVersion: version },
  );
}

export const DISCONNECT = Buffer.from([0xe0, 0x00]);
export const PINGREQ = Buffer.from([0xc0, 0x00]);

/** A two-byte acknowledgement (success, no properties: the same bytes in MQTT 3.1.1 and 5). */
const ack = (first: number, messageId: number): Buffer =>
  Buffer.from([first, 0x02, messageId >> 8, messageId & 0xff]);

export const pubackPacket = (messageId: number): Buffer => ack(0x40, messageId);
export const pubrecPacket = (messageId: number): Buffer => ack(0x50, messageId);
export const pubrelPacket = (messageId: number): Buffer => ack(0x62, messageId);
export const pubcompPacket = (messageId: number): Buffer => ack(0x70, messageId);

/**
 * A pre-encoded PUBLISH for one topic. Each send copies the template and
 * patches the packet id and the payload stamp, so the hot path does no encoding.
 */
export class PublishTemplate {
  private readonly template: Buffer;
  readonly payloadOffset: number;

  constructor(
    topic: string,
    readonly qos: QoS,
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
