import type { Packet } from 'mqtt-packet';
import { Reason } from '../mqtt/reason-codes';
import type { Outbound } from './types';

/** Longest Reason String we send: it is for people reading logs, and a filter can be 65535 bytes. */
const MAX_REASON_STRING = 256;

/** What a refused SUBSCRIBE filter's code says, in words. */
const SUBACK_FAILURES: Readonly<Record<number, string>> = {
  [Reason.UnspecifiedError]: 'RabbitMQ could not bind it',
  [Reason.NotAuthorized]: 'RabbitMQ refused the binding',
  [Reason.TopicFilterInvalid]: 'not a valid topic filter',
  [Reason.QuotaExceeded]:
    'the client holds as many filters as it may (MQTT_ADAPTER_MAX_SUBSCRIPTIONS_PER_CLIENT)',
};

/** `text` cut to the Reason String limit. */
export function clipped(text: string): string {
  return text.length <= MAX_REASON_STRING ? text : `${text.slice(0, MAX_REASON_STRING - 1)}…`;
}

/**
 * The Reason String of a SUBACK: why each refused filter was refused (codes of
 * 0x80 and above), or undefined when every filter was granted.
 */
export function subackReasonString(filters: readonly string[], codes: readonly number[]): string | undefined {
  const refused = codes.flatMap((code, i) =>
    code < Reason.UnspecifiedError
      ? []
      : [`${JSON.stringify(filters[i])}: ${SUBACK_FAILURES[code] ?? `refused (0x${code.toString(16)})`}`],
  );
  return refused.length > 0 ? clipped(refused.join('; ')) : undefined;
}

/**
 * Sends an acknowledgement with its Reason String when there is one, the
 * client allows it [MQTT-3.1.2-29] and the packet with it stays within the
 * client's Maximum Packet Size [MQTT-3.4.2-2]; otherwise without.
 */
export function sendWithReason(
  out: Outbound,
  packet: Extract<Packet, { cmd: 'puback' | 'pubrec' | 'suback' }>,
  reasonString: string | undefined,
  allowed: boolean,
): void {
  if (reasonString !== undefined && allowed) {
    const properties = { ...packet.properties, reasonString: clipped(reasonString) };
    if (out.send({ ...packet, properties })) return;
  }
  out.send(packet);
}
