/**
 * Splits an MQTT username of the form `vhost:user` as RabbitMQ's plugin does,
 * at the last colon (a vhost may hold colons, a username may not); a name
 * without a colon uses the listener's default vhost.
 */
export function parseUsername(username: string, defaultVhost: string): { vhost: string; user: string } {
  const colon = username.lastIndexOf(':');
  if (colon <= 0) return { vhost: defaultVhost, user: username };
  return { vhost: username.slice(0, colon), user: username.slice(colon + 1) };
}
