import { failureOf } from '../ports/broker';
import { MqttError } from '../mqtt/errors';
import type { StaleEpochError } from '../ports/session-store';
import { Reason, type ReasonCode } from '../mqtt/reason-codes';

/**
 * What the client hears about a QoS 1 or 2 PUBLISH once RabbitMQ has answered:
 * a PUBACK/PUBREC reason code (0x80 and above: not accepted), or the closed
 * connection (StaleEpochError: another connection owns the client id now).
 */
export type PublishAnswer =
  { readonly reason: ReasonCode; readonly why?: string } | { readonly close: MqttError | StaleEpochError };

export const ACCEPTED: PublishAnswer = { reason: Reason.Success };
/** [MQTT-3.4.2.1] 0x10: accepted, but no queue (so no subscriber) took it. */
export const NO_SUBSCRIBERS: PublishAnswer = { reason: Reason.NoMatchingSubscribers };

/**
 * The answer to a publish RabbitMQ did not take. `answerable` says whether the
 * client can hear a failure reason: only MQTT 5 has one, in PUBACK and PUBREC,
 * and only for QoS 1 and 2. Otherwise the connection closes, and the client
 * sends the message again on reconnecting [MQTT-4.4.0-1].
 *
 * - 403 (the user may not write to the exchange or topic): 0x87 Not authorized.
 * - basic.nack: a queue the message was routed to refused it. A nack carries no
 *   reason; RabbitMQ sends one when a queue is at its length limit with
 *   `x-overflow: reject-publish` (set by the operator or by policy), and
 *   otherwise only when a queue fails. That limit is an administrative one,
 *   which is what 0x97 Quota exceeded means, and tells the client that
 *   sending the same message again at once is pointless.
 * - any other channel error RabbitMQ raised over the publish (406 for a
 *   message above `max_message_size`, say): 0x80 Unspecified error.
 * - no reply code: the channel or connection went away before the confirm, or
 *   the retained copy could not be stored. Whether RabbitMQ took the message
 *   is unknown, so no reason code can be honest: the connection closes (0x88)
 *   for every version, and the client's resend makes a duplicate at worst,
 *   never a loss.
 */
export function refusalAnswer(err: unknown, answerable: boolean): PublishAnswer {
  const r = refusal(err);
  return answerable && r.reason !== Reason.ServerUnavailable ? r : { close: new MqttError(r.reason, r.why) };
}

/** Why RabbitMQ did not take a publish, as the MQTT reason code that says so (see refusalAnswer). */
export function refusal(err: unknown): { readonly reason: ReasonCode; readonly why: string } {
  const message = err instanceof Error ? err.message : String(err);
  switch (failureOf(err)) {
    case 'access-refused':
      return { reason: Reason.NotAuthorized, why: 'RabbitMQ refused the publish' };
    case 'nacked':
      return { reason: Reason.QuotaExceeded, why: 'a queue rejected the publish (basic.nack)' };
    case 'refused':
      return { reason: Reason.UnspecifiedError, why: `RabbitMQ refused the publish: ${message}` };
    case 'gone':
      return { reason: Reason.ServerUnavailable, why: `publish failed: ${message}` };
  }
}
