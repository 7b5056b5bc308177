import type { Options, ConsumeMessage } from 'amqplib';
import { routingKeyToTopic } from '../mqtt/topic';
import type { Delivery, PublishExtras, QoS } from '../ports/message';
import { H, propsFromAmqp, propsToAmqp } from './properties';

export type { BrokerMessage, Delivery, PublishExtras, QoS } from '../ports/message';

/** Header names shared with RabbitMQ's MQTT plugin, so the two interoperate. */
export const QOS_HEADER = H.qos;

/** AMQP properties of an MQTT publish: QoS>=1 messages are persistent and say their QoS in a header. */
export function publishOptions(qos: QoS, extras?: PublishExtras): Options.Publish {
  const deliveryMode = qos > 0 ? 2 : 1;
  // Delivery mode 1 already reads back as QoS 0, so a plain QoS 0 message carries no headers table:
  // encoding one is the largest per-message cost of an AMQP publish.
  if (qos === 0 && !extras?.retain && extras?.publisher === undefined && !extras?.props)
    return { deliveryMode };
  const headers: Record<string, unknown> = { [H.qos]: qos };
  if (!extras) return { deliveryMode, headers };
  if (extras.retain) headers[H.retain] = 1;
  if (extras.publisher !== undefined) headers[H.publisher] = extras.publisher;
  if (extras.mark) {
    headers[H.qos2Token] = extras.mark.token;
    if (extras.mark.resent) headers[H.resent] = 1;
  }
  return { ...propsToAmqp(extras.props, headers, Date.now()), deliveryMode };
}

/**
 * The MQTT view of an AMQP delivery. A message from an AMQP publisher has no
 * QoS header; as in the plugin, persistent ones count as QoS 1.
 */
export function toDelivery(msg: ConsumeMessage, deliveryTag = msg.fields.deliveryTag): Delivery {
  const headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
  const header = headers[H.qos];
  const qos: QoS =
    header === 0 || header === 1 || header === 2 ? header : msg.properties.deliveryMode === 2 ? 1 : 0;
  const publisher = headers[H.publisher];
  const token = headerString(headers[H.qos2Token]);
  const { props, expired } = propsFromAmqp(msg.properties, Date.now());
  return {
    topic: routingKeyToTopic(msg.fields.routingKey),
    payload: msg.content,
    qos,
    deliveryTag,
    redelivered: msg.fields.redelivered,
    retain: headers[H.retain] === 1,
    publisher: headerString(publisher),
    props,
    expired,
    ...(token !== undefined ? { mark: { token, resent: headers[H.resent] === 1 } } : {}),
  };
}

/** A header written as a string may read back as bytes (a longstr from another client). */
function headerString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString() : undefined;
}
