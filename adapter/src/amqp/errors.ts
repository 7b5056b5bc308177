import { MqttError } from '../mqtt/errors';
import { Reason } from '../mqtt/reason-codes';
import { BrokerError } from '../ports/broker';

/** The AMQP reply code an amqplib error carries, when it has one. */
export function replyCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Turns a failed AMQP login into the CONNACK reason. RabbitMQ refuses bad
 * credentials with 403 during the handshake and a vhost the user may not use
 * by closing the connection instead of sending connection.open-ok.
 */
export function loginFailure(err: unknown): MqttError {
  const message = err instanceof Error ? err.message : String(err);
  if (/\b403\b|ACCESS[-_]REFUSED/.test(message)) {
    return new MqttError(Reason.BadUserNameOrPassword, 'RabbitMQ refused the credentials');
  }
  if (/ConnectionOpenOk|NOT[-_]ALLOWED|\b530\b/.test(message)) {
    return new MqttError(Reason.NotAuthorized, 'RabbitMQ refused access to the virtual host');
  }
  return new MqttError(Reason.ServerUnavailable, `RabbitMQ unreachable: ${message}`);
}

/** Whether an operation failed because RabbitMQ denied the permission (403). */
export function isAccessRefused(err: unknown): boolean {
  return replyCode(err) === 403 || /\b403\b|ACCESS[-_]REFUSED/.test(err instanceof Error ? err.message : '');
}

/**
 * Whether RabbitMQ answered a confirmed publish with basic.nack (a queue did
 * not take it). amqplib tells a nack from a closed channel only by this message.
 */
export function isNacked(err: unknown): boolean {
  return err instanceof Error && err.message === 'message nacked' && replyCode(err) === undefined;
}

/** An amqplib error as the broker port's BrokerError, classified so the session needs no AMQP knowledge. */
export function brokerError(err: unknown): BrokerError {
  if (err instanceof BrokerError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = replyCode(err);
  if (isAccessRefused(err)) return new BrokerError('access-refused', message, code ?? 403);
  if (isNacked(err)) return new BrokerError('nacked', message);
  return code === undefined ? new BrokerError('gone', message) : new BrokerError('refused', message, code);
}
