import type { MessageProperties, Options } from 'amqplib';
import { routingKeyToTopic, topicToRoutingKey } from '../mqtt/topic';
import type { MessageProps } from '../ports/message';

export type { MessageProps } from '../ports/message';

/** Headers the adapter owns; everything else in `headers` is a user property. */
export const H = {
  qos: 'x-mqtt-publish-qos',
  retain: 'x-mqtt-retain',
  publisher: 'x-mqtt-publisher',
  expiresAt: 'x-mqtt-expires-at',
  payloadFormat: 'x-mqtt-payload-format-indicator',
  correlation: 'x-correlation-data',
  /** The same on a QoS 2 message and on a copy published again after a replica failure. */
  qos2Token: 'x-mqtt-qos2-token',
  /** On that copy: a subscriber that already delivered the token drops it. */
  resent: 'x-mqtt-resent',
  /** Ties a returned (unroutable) message to its publish on the channel. */
  seq: 'x-mqtt-adapter-seq',
} as const;

const OWN = new Set<string>(Object.values(H));

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function isUtf8(b: Buffer): boolean {
  try {
    utf8.decode(b);
    return true;
  } catch {
    return false;
  }
}

/**
 * The AMQP side of MQTT 5 properties, as AMQP clients expect them: Content
 * Type -> content_type, Response Topic -> reply_to (as a routing key, so an
 * AMQP responder can publish the reply straight to the exchange), Correlation
 * Data -> correlation_id, User Properties -> headers, Message Expiry ->
 * per-message `expiration` plus an absolute deadline to forward the rest.
 */
export function propsToAmqp(
  props: MessageProps | undefined,
  headers: Record<string, unknown>,
  now: number,
): Options.Publish {
  const out: Options.Publish = { headers };
  if (!props) return out;
  if (props.contentType !== undefined) out.contentType = props.contentType;
  if (props.responseTopic !== undefined) out.replyTo = topicToRoutingKey(props.responseTopic);
  if (props.correlationData !== undefined) {
    // correlation_id is a short string; bytes that are not UTF-8 ride in a header instead.
    if (isUtf8(props.correlationData) && props.correlationData.length <= 255) {
      out.correlationId = props.correlationData.toString('utf8');
    } else headers[H.correlation] = props.correlationData;
  }
  if (props.messageExpiryInterval !== undefined) {
    out.expiration = String(props.messageExpiryInterval * 1000);
    headers[H.expiresAt] = now + props.messageExpiryInterval * 1000;
  }
  if (props.payloadFormatIndicator) headers[H.payloadFormat] = 1;
  for (const [k, v] of Object.entries(props.userProperties ?? {})) if (!OWN.has(k)) headers[k] = v;
  return out;
}

const NOTHING: { props: MessageProps; expired: boolean } = Object.freeze({
  props: Object.freeze({}),
  expired: false,
});

/** MQTT 5 properties of an AMQP message; `expired` when its lifetime has run out. */
export function propsFromAmqp(p: MessageProperties, now: number): { props: MessageProps; expired: boolean } {
  // Most messages (every plain QoS 0 one) carry none of these: no need to build anything.
  if (
    p.headers === undefined &&
    p.contentType === undefined &&
    p.replyTo === undefined &&
    p.correlationId === undefined
  )
    return NOTHING;
  const headers = (p.headers ?? {}) as Record<string, unknown>;
  const userProperties: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (OWN.has(k) || v === undefined || v === null) continue;
    userProperties[k] = Array.isArray(v) ? v.map(headerText) : headerText(v);
  }
  const props: {
    -readonly [K in keyof MessageProps]: MessageProps[K];
  } = {};
  if (typeof p.contentType === 'string') props.contentType = p.contentType;
  if (typeof p.replyTo === 'string') props.responseTopic = routingKeyToTopic(p.replyTo);
  const corr = headers[H.correlation];
  if (Buffer.isBuffer(corr)) props.correlationData = corr;
  else if (typeof p.correlationId === 'string') props.correlationData = Buffer.from(p.correlationId, 'utf8');
  if (headers[H.payloadFormat] === 1) props.payloadFormatIndicator = true;
  if (Object.keys(userProperties).length > 0) props.userProperties = userProperties;
  const deadline = headers[H.expiresAt];
  let expired = false;
  if (typeof deadline === 'number') {
    const left = Math.ceil((deadline - now) / 1000);
    expired = left <= 0;
    props.messageExpiryInterval = Math.max(left, 0);
  }
  return { props, expired };
}

function headerText(v: unknown): string {
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}
