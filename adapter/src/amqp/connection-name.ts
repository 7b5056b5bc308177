import type { Credentials } from './credentials';

/**
 * The `connection_name` every AMQP connection of the adapter carries, so
 * `rabbitmqctl list_connections client_properties` tells which replica (pod)
 * and which login a connection belongs to.
 */
export const connectionName = (pod: string, c: Pick<Credentials, 'vhost' | 'user'>): string =>
  `mqtt-adapter ${pod} ${c.user} vhost=${c.vhost}`;
