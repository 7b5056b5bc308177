import type { IConnectPacket } from 'mqtt-packet';
import type { Config } from '../config/settings';
import { MqttError } from '../mqtt/errors';
import { Reason } from '../mqtt/reason-codes';

/** The keepalive a connection is held to, and whether CONNACK announces it as Server Keep Alive. */
export interface KeepaliveGrant {
  /** Seconds; 0 checks nothing [MQTT-3.1.2-22]. */
  readonly seconds: number;
  /** Set when it differs from what a v5 client asked for, so the client is told [MQTT-3.2.2-21]. */
  readonly announced?: number;
}

type Limits = Pick<Config, 'serverKeepAlive' | 'maxKeepAlive'>;

/** Whether `requested` is past the cap: longer than it, or 0 (no keepalive at all) while there is one. */
const overCap = (requested: number, cap: number): boolean => cap > 0 && (requested === 0 || requested > cap);

/**
 * The keepalive a CONNECT gets. MQTT_ADAPTER_SERVER_KEEPALIVE replaces a v5
 * client's value; otherwise MQTT_ADAPTER_MAX_KEEPALIVE caps it, announced in
 * CONNACK. A 3.x client cannot be told another value, so one past the cap is
 * refused before this (see checkKeepalive) and keeps its own here.
 */
export function grantKeepalive(p: IConnectPacket, limits: Limits): KeepaliveGrant {
  const requested = p.keepalive ?? 0;
  if (p.protocolVersion !== 5) return { seconds: requested };
  if (limits.serverKeepAlive > 0)
    return { seconds: limits.serverKeepAlive, announced: limits.serverKeepAlive };
  if (overCap(requested, limits.maxKeepAlive))
    return { seconds: limits.maxKeepAlive, announced: limits.maxKeepAlive };
  return { seconds: requested };
}

/**
 * Refuses a 3.x client asking for a keepalive past MQTT_ADAPTER_MAX_KEEPALIVE
 * with CONNACK 0x02 (identifier rejected), as Mosquitto's max_keepalive does:
 * held silently to a shorter one, it would be cut off for idling as it was
 * entitled to, and reconnect in a loop that looks like a network fault.
 */
export function checkKeepalive(p: IConnectPacket, limits: Limits): void {
  if (p.protocolVersion === 5 || !overCap(p.keepalive ?? 0, limits.maxKeepAlive)) return;
  throw new MqttError(
    Reason.ClientIdentifierNotValid,
    `keepalive ${p.keepalive ?? 0} s is past MQTT_ADAPTER_MAX_KEEPALIVE (${limits.maxKeepAlive} s)`,
  );
}
