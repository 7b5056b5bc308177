import type { ReasonCode } from './reason-codes';

/**
 * An error that carries the MQTT reason code to answer with. Modules below the
 * session throw these; the session turns them into CONNACK/SUBACK/PUBACK or
 * DISCONNECT codes for v5 and the v3 equivalents.
 */
export class MqttError extends Error {
  override readonly name = 'MqttError';
  constructor(
    readonly reason: ReasonCode,
    message: string,
  ) {
    super(message);
  }
}
