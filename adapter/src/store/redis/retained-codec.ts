import type { MessageProps } from '../../amqp/properties';
import type { RetainedMessage } from '../../ports/retained-store';
import { isQoS } from './session-codec';

/** Set on the first byte when MQTT 5 metadata (properties, expiry) follows it. */
const WITH_META = 0x80;

interface Meta {
  readonly props?: Omit<MessageProps, 'correlationData'> & { correlationData?: string };
  readonly expiresAt?: number;
}

/**
 * A retained message in one hash field: the QoS byte, then the payload bytes.
 * A message with MQTT 5 properties or an expiry sets the byte's high bit and
 * puts a 4-byte length and that metadata as JSON (correlation data in base64)
 * between the two, so its subscribers get the properties it was published
 * with (section 3.3.2.3) and the remaining lifetime [MQTT-3.3.2-6].
 */
export function encodeRetained(msg: RetainedMessage): Buffer {
  if (msg.props === undefined && msg.expiresAt === undefined) {
    return Buffer.concat([Buffer.of(msg.qos), msg.payload]);
  }
  const { correlationData, ...rest } = msg.props ?? {};
  const meta: Meta = {
    ...(msg.props
      ? {
          props: {
            ...rest,
            ...(correlationData ? { correlationData: correlationData.toString('base64') } : {}),
          },
        }
      : {}),
    ...(msg.expiresAt !== undefined ? { expiresAt: msg.expiresAt } : {}),
  };
  const json = Buffer.from(JSON.stringify(meta), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length);
  return Buffer.concat([Buffer.of(WITH_META | msg.qos), length, json, msg.payload]);
}

export function decodeRetained(topic: string, value: Buffer): RetainedMessage {
  const qos = value[0] & ~WITH_META;
  if (!isQoS(qos)) throw new Error(`retained message on ${topic} has no valid QoS byte`);
  if ((value[0] & WITH_META) === 0) return { topic, qos, payload: value.subarray(1) };
  const length = value.readUInt32BE(1);
  const meta = JSON.parse(value.subarray(5, 5 + length).toString('utf8')) as Meta;
  const payload = value.subarray(5 + length);
  const { correlationData, ...rest } = meta.props ?? {};
  return {
    topic,
    qos,
    payload,
    ...(meta.props
      ? {
          props: {
            ...rest,
            ...(correlationData !== undefined
              ? { correlationData: Buffer.from(correlationData, 'base64') }
              : {}),
          },
        }
      : {}),
    ...(meta.expiresAt !== undefined ? { expiresAt: meta.expiresAt } : {}),
  };
}
