import type { ConnectOptions, QoS, Version } from '../wire/packets';

/**
 * The fixed identity of one client of a soak: protocol level, session kind
 * and subscription QoS follow from its index, so every mix is present in any
 * stretch of indexes, and a client reconnects under the same id (a
 * persistent one resumes its session; the set of sessions stays bounded).
 */
export interface SlotSpec {
  readonly index: number;
  readonly clientId: string;
  readonly version: Version;
  readonly persistent: boolean;
  readonly qos: QoS;
  readonly topic: string;
}

/** Seconds a persistent MQTT 5 session outlives its connection. */
export const SESSION_EXPIRY_S = 600;

export const GUEST = { username: 'guest', password: 'guest' } as const;

export function slotSpec(tag: string, index: number): SlotSpec {
  return {
    index,
    clientId: `${tag}-c${index}`,
    version: index % 2 === 0 ? 4 : 5,
    // Three in ten keep their session.
    persistent: index % 10 < 3,
    qos: (index % 3) as QoS,
    topic: `soak/${tag}/g/${index}`,
  };
}

/** The CONNECT of a client: resuming its session if persistent, or (`discard`) ending whatever session it had. */
export function connectOptions(
  s: Omit<SlotSpec, 'index' | 'topic' | 'qos'>,
  discard = false,
): ConnectOptions {
  const keep = s.persistent && !discard;
  return {
    clientId: s.clientId,
    clean: !keep,
    version: s.version,
    sessionExpiry: keep && s.version === 5 ? SESSION_EXPIRY_S : 0,
    keepalive: 0,
    ...GUEST,
  };
}
