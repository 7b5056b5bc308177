/** The default of MQTT_ADAPTER_REDIS_KEY_PREFIX. */
export const DEFAULT_KEY_PREFIX = 'mqtt-adapter:';

/**
 * Escapes an id for use inside a `{hash tag}`. Redis Cluster hashes the text
 * between the first `{` and the next `}`, so an id holding `}` would cut its own
 * tag short (and `{}` hashes the whole key), scattering one client's keys over
 * several slots. Percent-encoding `%`, `{` and `}` keeps the mapping one-to-one.
 */
export function escapeTag(id: string): string {
  if (id.length === 0) throw new Error('Redis hash tags need a non-empty id');
  return id.replace(/[%{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Every Redis key and channel the adapter uses, in one place, so the layout in
 * docs/redis-keys.md has a single source. Keys of one client share the hash tag
 * `{clientId}` and keys of one pod share `{podName}`: the Lua scripts touch one
 * slot each, as Redis Cluster requires.
 */
export class RedisKeys {
  constructor(readonly prefix: string = DEFAULT_KEY_PREFIX) {
    // A brace in the prefix would become every key's hash tag and pin all keys to one slot.
    if (/[{}]/.test(prefix)) throw new Error(`Redis key prefix must not contain braces: ${prefix}`);
  }

  /**
   * Hash: epoch; pod + conn while a connection owns the client id; `expires`
   * (ms, Redis time), the deadline of a released session.
   */
  owner(clientId: string): string {
    return `${this.prefix}client:{${escapeTag(clientId)}}:owner`;
  }

  /** String: the persistent session as JSON. */
  session(clientId: string): string {
    return `${this.prefix}client:{${escapeTag(clientId)}}:session`;
  }

  /** Hash: packet id -> record of an inbound QoS 2 message between PUBLISH and PUBREL (see session-scripts.ts). */
  inboundQos2(clientId: string): string {
    return `${this.prefix}client:{${escapeTag(clientId)}}:qos2`;
  }

  /** Hash: the will of the owning connection, its epoch, and its due time once scheduled. */
  will(clientId: string): string {
    return `${this.prefix}client:{${escapeTag(clientId)}}:will`;
  }

  /**
   * Hash: a will a CONNECT's supersede took, kept under the taker's epoch so a
   * retry of that supersede whose reply was lost gets it again (see SUPERSEDE_WILL).
   */
  willTaken(clientId: string): string {
    return `${this.prefix}client:{${escapeTag(clientId)}}:will-taken`;
  }

  /** Pub/sub channel: takeover events for connections on that pod. */
  podEvents(pod: string): string {
    return `${this.prefix}pod:{${escapeTag(pod)}}:events`;
  }

  /** String with a short TTL: the pod is alive while it exists. */
  podAlive(pod: string): string {
    return `${this.prefix}pod:{${escapeTag(pod)}}:alive`;
  }

  /** Set: client ids claimed through that pod (a hint; the owner hash is the truth). */
  podClients(pod: string): string {
    return `${this.prefix}pod:{${escapeTag(pod)}}:clients`;
  }

  /** String with a TTL: the pod that is sweeping this dead pod. */
  podSweeper(pod: string): string {
    return `${this.prefix}pod:{${escapeTag(pod)}}:sweeper`;
  }

  /** String with a TTL: the number of sessions the pod holds, for rebalancing. */
  podLoad(pod: string): string {
    return `${this.prefix}pod:{${escapeTag(pod)}}:load`;
  }

  /** String with a TTL: the id of the standing request to rebalance. */
  rebalanceRequest(): string {
    return `${this.prefix}{rebalance}:request`;
  }

  /** Set: every pod that has refreshed its liveness and not yet been swept. */
  pods(): string {
    return `${this.prefix}{pods}`;
  }

  /** Sorted set: client ids with a scheduled will, scored by due time (ms). A hint; the will hash decides. */
  willsDue(): string {
    return `${this.prefix}{wills}:due`;
  }

  /**
   * Sorted set: client ids of released sessions, scored by when to look at
   * them (ms): their deadline, or earlier. A hint; the owner hash's `expires` decides.
   */
  sessionsExpiring(): string {
    return `${this.prefix}{sessions}:expiring`;
  }

  /** Hash: topic -> encoded retained message. Shares one slot with the index. */
  retainedMessages(): string {
    return `${this.prefix}{retained}:messages`;
  }

  /** Sorted set: every retained topic, all scored 0, for ZRANGEBYLEX prefix lookups. */
  retainedIndex(): string {
    return `${this.prefix}{retained}:index`;
  }
}
