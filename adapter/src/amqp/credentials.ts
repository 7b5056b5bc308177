import { createHash } from 'node:crypto';

export interface Credentials {
  readonly vhost: string;
  readonly user: string;
  readonly password: string;
}

/**
 * Splits an MQTT username of the form `vhost:user` as RabbitMQ's plugin does;
 * a name without a colon uses the listener's default vhost.
 */
export function parseUsername(username: string, defaultVhost: string): { vhost: string; user: string } {
  const colon = username.indexOf(':');
  if (colon <= 0) return { vhost: defaultVhost, user: username };
  return { vhost: username.slice(0, colon), user: username.slice(colon + 1) };
}

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
