import { createHash } from 'node:crypto';
import type { Credentials } from '../ports/credentials';

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
