/** The settings that pick a client's vhost when its username names none. */
export interface VhostRules {
  /** Used when nothing else applies. */
  readonly vhost: string;
  /** Listener port (as the client dialed it) to vhost. */
  readonly vhostByPort: Readonly<Record<string, string>>;
  /** Certificate-login identity to vhost. */
  readonly vhostByCertificate: Readonly<Record<string, string>>;
}

/** Where the connection came in and who its certificate says it is. */
export interface ListenerSide {
  readonly localPort?: number;
  readonly certificateUser?: string;
}

/**
 * The vhost of a username without a `vhost:` prefix, in the order of
 * RabbitMQ's MQTT plugin: the certificate identity's mapping
 * (`mqtt_default_vhosts`), then the port's (`mqtt_port_to_vhost_mapping`),
 * then the default. A `vhost:user` username is split before this and wins.
 */
export function listenerVhost(rules: VhostRules, side: ListenerSide): string {
  const byCert =
    side.certificateUser === undefined ? undefined : own(rules.vhostByCertificate, side.certificateUser);
  const byPort = side.localPort === undefined ? undefined : own(rules.vhostByPort, String(side.localPort));
  return byCert ?? byPort ?? rules.vhost;
}

const own = (map: Readonly<Record<string, string>>, key: string): string | undefined =>
  Object.hasOwn(map, key) ? map[key] : undefined;
