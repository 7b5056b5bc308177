import type { Options, ConsumeMessage } from 'amqplib';
import { routingKeyToTopic } from '../mqtt/topic';

export type QoS = 0 | 1 | 2;

/** Header names shared with RabbitMQ's MQTT plugin, so the two interoperate. */
export const QOS_HEADER = 'x-mqtt-publish-qos';

/** A message as the session sees it, independent of AMQP. */
export interface BrokerMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
}

export interface Delivery extends BrokerMessage {
  readonly deliveryTag: number;
  readonly redelivered: boolean;
}

/** AMQP properties of an MQTT publish: QoS>=1 messages are persistent. */
export function publishOptions(qos: QoS): Options.Publish {
  return { deliveryMode: qos > 0 ? 2 : 1, headers: { [QOS_HEADER]: qos } };
}

/**
 * The MQTT view of an AMQP delivery. A message from an AMQP publisher has no
 * QoS header; as in the plugin, persistent ones count as QoS 1.
 */
export function toDelivery(msg: ConsumeMessage): Delivery {
  const headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
  const header = headers[QOS_HEADER];
  const qos: QoS =
    header === 0 || header === 1 || header === 2 ? header : msg.properties.deliveryMode === 2 ? 1 : 0;
  return {
    topic: routingKeyToTopic(msg.fields.routingKey),
    payload: msg.content,
    qos,
    deliveryTag: msg.fields.deliveryTag,
    redelivered: msg.fields.redelivered,
  };
}
