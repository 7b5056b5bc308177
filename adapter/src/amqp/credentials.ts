import { createHash } from 'node:crypto';
import type { Credentials } from '../ports/credentials';
import { MqttError } from '../mqtt/errors';
import { Reason } from '../mqtt/reason-codes';

export type { Credentials } from '../ports/credentials';
export { parseUsername } from '../auth/username';

/**
 * Pool key of a login. The password's digest is part of it so a client with a
 * wrong password never rides on a connection someone else authenticated.
 */
export function poolKey(c: Credentials): string {
  const digest = createHash('sha256').update(c.password).digest('base64url').slice(0, 16);
  return `${c.vhost}\u0000${c.user}\u0000${digest}`;
}

/** The AMQP URL for a login: the configured address with this user's credentials and vhost. */
export function loginUrl(base: string, c: Credentials): string {
  const url = new URL(base);
  url.username = encodeURIComponent(c.user);
  url.password = encodeURIComponent(c.password);
  url.pathname = `/${encodeURIComponent(c.vhost)}`;
  return url.toString();
}

/**
 * A login no RabbitMQ node could take, told before any node is tried: AMQP
 * carries the virtual host as a short string (at most 255 bytes), so a longer
 * one names no virtual host. Sent on, it would fail in encoding, look like a
 * node that cannot be reached, and have every node tried and set aside.
 */
export function credentialsProblem(c: Credentials): MqttError | undefined {
  if (Buffer.byteLength(c.vhost) > 255)
    return new MqttError(Reason.NotAuthorized, 'the virtual host name is longer than 255 bytes');
  return undefined;
}
