import type { IConnackPacket } from 'mqtt-packet';
import type { Config } from '../config/settings';
import { TOPIC_ALIAS_MAXIMUM } from '../session/publish-in';

/** What a v5 CONNACK tells the client about this server [MQTT-3.2.2]. */
export function connackProperties(
  config: Config,
  c: { clientId: string; assignedClientId: boolean },
  /** The Session Expiry Interval the client asked for, if any. */
  requestedExpiry?: number,
  /** The keepalive the client is held to, when it is not the one it asked for. */
  serverKeepAlive?: number,
): NonNullable<IConnackPacket['properties']> {
  // A capped expiry is announced, or the client would believe its session outlives what we keep [MQTT-3.2.2.3.2].
  const capped = requestedExpiry !== undefined && requestedExpiry > config.sessionExpiryMax;
  return {
    receiveMaximum: config.inflightWindow,
    maximumPacketSize: config.maxPacketSize,
    topicAliasMaximum: TOPIC_ALIAS_MAXIMUM,
    retainAvailable: true,
    wildcardSubscriptionAvailable: true,
    subscriptionIdentifiersAvailable: true,
    sharedSubscriptionAvailable: true,
    ...(config.maxQos < 2 ? { maximumQoS: config.maxQos } : {}),
    ...(serverKeepAlive !== undefined ? { serverKeepAlive } : {}),
    ...(c.assignedClientId ? { assignedClientIdentifier: c.clientId } : {}),
    ...(capped ? { sessionExpiryInterval: config.sessionExpiryMax } : {}),
  };
}
