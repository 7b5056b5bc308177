import type { RetainedMessage } from '../../ports/retained-store';
import { isQoS } from './session-codec';

/** A retained message in one hash field: the QoS byte, then the payload bytes. */
export function encodeRetained(msg: RetainedMessage): Buffer {
  return Buffer.concat([Buffer.of(msg.qos), msg.payload]);
}

export function decodeRetained(topic: string, value: Buffer): RetainedMessage {
  const qos = value[0];
  if (!isQoS(qos)) throw new Error(`retained message on ${topic} has no valid QoS byte`);
  return { topic, qos, payload: value.subarray(1) };
}
