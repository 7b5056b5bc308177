import { EventEmitter } from 'node:events';
import {
  StaleEpochError,
  type Claim,
  type ExpiredSession,
  type InboundQos2Entry,
  type InboundQos2Record,
  type OwnerRef,
  type SessionState,
  type SessionStore,
} from '../ports/session-store';

interface Entry {
  epoch: number;
  owner?: OwnerRef;
  session?: SessionState;
  qos2?: Map<number, InboundQos2Entry>;
  /** When a released session ends unless claimed again [MQTT-3.1.2-23], as the Redis store's TTL. */
  expiresAt?: number;
}

/** The single-process session store: the embedded default of `make run`. */
export class MemorySessionStore implements SessionStore {
  private readonly entries = new Map<string, Entry>();
  private readonly events = new EventEmitter();

  constructor(private readonly now: () => number = Date.now) {}

  claim(clientId: string, owner: OwnerRef, cleanStart: boolean): Promise<Claim> {
    const e = this.entries.get(clientId) ?? { epoch: 0 };
    const previous = e.owner;
    e.epoch++;
    e.owner = owner;
    const expired = e.expiresAt !== undefined && this.now() >= e.expiresAt;
    e.expiresAt = undefined;
    if (cleanStart || !e.session || expired) {
      e.session = undefined;
      e.qos2 = undefined;
    }
    this.entries.set(clientId, e);
    if (previous) this.events.emit('takeover', clientId, previous);
    const inboundQos2 = e.qos2 ? [...e.qos2.values()] : [];
    return Promise.resolve({ epoch: e.epoch, previous, session: e.session, inboundQos2 });
  }

  // async, so a stale epoch is a rejected promise like the Redis store's, never a synchronous throw.
  async save(clientId: string, epoch: number, state: SessionState): Promise<void> {
    await Promise.resolve();
    const e = this.current(clientId, epoch);
    e.session = state;
    // A late save after the release lands and expires with the session, at its deadline, as in Redis.
    if (!e.owner) this.expireReleased(e, false);
  }

  async recordInboundQos2(
    clientId: string,
    epoch: number,
    id: number,
    entry: InboundQos2Record | undefined,
  ): Promise<void> {
    await Promise.resolve();
    const e = this.current(clientId, epoch);
    if (entry) (e.qos2 ??= new Map()).set(id, { id, ...entry });
    else e.qos2?.delete(id);
  }

  discard(clientId: string, epoch: number): Promise<void> {
    const e = this.entries.get(clientId);
    // The entry stays, with its epoch, so a later claim keeps counting up and a stale owner stays fenced.
    if (e && e.epoch === epoch) {
      e.owner = undefined;
      e.session = undefined;
      e.qos2 = undefined;
    }
    return Promise.resolve();
  }

  release(clientId: string, epoch: number): Promise<void> {
    const e = this.entries.get(clientId);
    if (e && e.epoch === epoch) {
      e.owner = undefined;
      this.expireReleased(e, true);
    }
    return Promise.resolve();
  }

  /**
   * A released session lives on for its expiry, from the release (`fresh`) or
   * to the deadline the release set; expiry 0 ends it with the connection [MQTT-3.1.2-23].
   */
  private expireReleased(e: Entry, fresh: boolean): void {
    const seconds = e.session?.expirySeconds ?? 0;
    if (seconds > 0) {
      if (fresh || e.expiresAt === undefined) e.expiresAt = this.now() + seconds * 1000;
      return;
    }
    e.session = undefined;
    e.qos2 = undefined;
    e.expiresAt = undefined;
  }

  abandon(clientId: string, owner: OwnerRef): Promise<void> {
    const e = this.entries.get(clientId);
    if (e?.owner?.pod === owner.pod && e.owner.connection === owner.connection) {
      e.owner = undefined;
      this.expireReleased(e, true);
    }
    return Promise.resolve();
  }

  claimExpired(limit = 100): Promise<ExpiredSession[]> {
    const now = this.now();
    const out: ExpiredSession[] = [];
    for (const [clientId, e] of this.entries) {
      if (out.length >= limit) break;
      if (e.owner || e.expiresAt === undefined || e.expiresAt > now) continue;
      e.expiresAt = undefined;
      if (!e.session) continue;
      const vhost = e.session.vhost;
      // The epoch moves on, so a late write of the last owner cannot bring the session back.
      e.epoch++;
      e.session = undefined;
      e.qos2 = undefined;
      out.push({ clientId, ...(vhost !== undefined ? { vhost } : {}) });
    }
    return Promise.resolve(out);
  }

  epochOf(clientId: string): Promise<number | undefined> {
    return Promise.resolve(this.entries.get(clientId)?.epoch);
  }

  onTakeover(listener: (clientId: string, owner: OwnerRef) => void): void {
    this.events.on('takeover', listener);
  }

  close(): Promise<void> {
    this.events.removeAllListeners();
    return Promise.resolve();
  }

  private current(clientId: string, epoch: number): Entry {
    const e = this.entries.get(clientId);
    if (!e || e.epoch !== epoch) throw new StaleEpochError(clientId, epoch);
    return e;
  }
}
