import type { Config } from '../config/settings';
import type { Credentials } from '../ports/credentials';

/**
 * The adapter's own RabbitMQ login, for work done when the client's login is
 * no longer known (no replica keeps client passwords outside its memory): the
 * will user, else the default user, in `vhost`; undefined when neither is set.
 */
export function serviceLogin(config: Config, vhost: string = config.vhost): Credentials | undefined {
  const user = config.willUser ?? config.defaultUser;
  const password = config.willUser ? config.willPassword : config.defaultPassword;
  return user && password ? { vhost, user, password } : undefined;
}
