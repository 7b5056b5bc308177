import { EXPIRY_GRACE_MS } from './release-lua';
import {
  StaleEpochError,
  type Claim,
  type ExpiredSession,
  type InboundQos2Record,
  type OwnerRef,
  type SessionState,
  type SessionStore,
} from '../../ports/session-store';
import type { RedisClient } from './client';
import { RedisKeys } from './keys';
import { ABANDON, CLAIM, DISCARD, EXPIRE_SESSION, RECORD_QOS2, RELEASE, SAVE } from './session-scripts';
import { DueIndex, type DueEntry } from './due-index';
import { decodeQos2Records, decodeSession, encodeQos2Record, encodeSession } from './session-codec';
import { TakeoverChannel } from './takeover-channel';

export interface RedisStoreOptions {
  /** This replica's name: takeovers of its connections arrive on its pod channel. */
  readonly podName: string;
  readonly keys?: RedisKeys;
  /** Errors of the store's own subscriber connection (reconnects while Redis is away). */
  readonly onError?: (err: Error) => void;
}

/**
 * Session ownership and state in Redis, so any replica can resume any
 * session. Each operation is one Lua script on the client's slot; the epoch
 * it checks fences out owners that were taken over.
 */
export class RedisSessionStore implements SessionStore {
  private readonly keys: RedisKeys;
  private readonly podName: string;
  private readonly takeovers: TakeoverChannel;
  private readonly expiring: DueIndex;

  /** The client is shared, not owned: close() leaves it open. */
  constructor(
    private readonly redis: RedisClient,
    options: RedisStoreOptions,
  ) {
    this.keys = options.keys ?? new RedisKeys();
    this.podName = options.podName;
    this.takeovers = new TakeoverChannel(redis, this.keys.podEvents(this.podName), options.onError);
    this.expiring = new DueIndex(redis, this.keys.sessionsExpiring(), EXPIRY_GRACE_MS);
  }

  /** Settles once this replica hears takeovers; await it before accepting connections. */
  get ready(): Promise<void> {
    return this.takeovers.ready;
  }

  async claim(clientId: string, owner: OwnerRef, cleanStart: boolean): Promise<Claim> {
    // The pod index gets the client before the claim (an entry without ownership is
    // harmless; ownership without one would hide the session from the dead-pod
    // sweep) and again after it (a release racing on this pod may have removed it).
    // Sent together: a single connection (standalone, Sentinel) runs them in this
    // order in one round trip; in a Cluster they go to two nodes, best effort.
    const index = this.keys.podClients(owner.pod);
    const [, reply] = await Promise.all([
      this.redis.sadd(index, clientId),
      CLAIM.run(this.redis, this.clientKeys(clientId), [
        owner.pod,
        owner.connection,
        cleanStart ? '1' : '0',
        this.keys.podEvents(owner.pod),
        clientId,
      ]),
      this.redis.sadd(index, clientId),
    ]);
    const [epoch, pod, connection, session, records] = claimReply(reply);
    return {
      epoch: Number(epoch),
      previous: pod ? { pod, connection } : undefined,
      session: session ? decodeSession(session) : undefined,
      inboundQos2: decodeQos2Records(records),
    };
  }

  async recordInboundQos2(
    clientId: string,
    epoch: number,
    id: number,
    entry: InboundQos2Record | undefined,
  ): Promise<void> {
    const record = entry ? encodeQos2Record(entry) : '';
    const ok = await RECORD_QOS2.run(this.redis, this.clientKeys(clientId), [
      String(epoch),
      String(id),
      record,
    ]);
    if (ok !== 1) throw new StaleEpochError(clientId, epoch);
  }

  async save(clientId: string, epoch: number, state: SessionState): Promise<void> {
    const ok = await SAVE.run(this.redis, this.clientKeys(clientId), [String(epoch), encodeSession(state)]);
    if (ok !== 1) throw new StaleEpochError(clientId, epoch);
  }

  async discard(clientId: string, epoch: number): Promise<void> {
    const from = await DISCARD.run(this.redis, this.clientKeys(clientId), [String(epoch)]);
    // The session is gone, and with it any deadline its entry stood for. A release of a newer claim
    // racing this may lose its entry: its session then ends at its deadline all the same (a claim past
    // it finds none), and its queue by the backstop x-expires.
    await Promise.all([
      this.unindex(clientId, from),
      typeof from === 'string' ? this.expiring.forget(clientId) : undefined,
    ]);
  }

  async release(clientId: string, epoch: number): Promise<void> {
    await this.released(clientId, () => RELEASE.run(this.redis, this.clientKeys(clientId), [String(epoch)]));
  }

  async abandon(clientId: string, owner: OwnerRef): Promise<void> {
    const keys = this.clientKeys(clientId);
    await this.released(clientId, () => ABANDON.run(this.redis, keys, [owner.pod, owner.connection]));
  }

  /**
   * The sweeper's hint goes out with the release, ahead of it on one connection,
   * scored now: a release that lands always has one. Once the release tells the
   * deadline, the hint moves there; if that step is lost, the sweeper moves it.
   * `release` is called once the hint is sent, so it goes out behind it.
   */
  private async released(clientId: string, release: () => Promise<unknown>): Promise<void> {
    const hint = { clientId, score: String(Math.round(Date.now())) };
    const announced = this.expiring.announce(clientId, Number(hint.score), true);
    const [, reply] = await Promise.all([announced, release()]);
    // Refused (a newer claim holds the client): the hint stood in for nothing, and with no replica
    // left to sweep (a deployment stopped) it would stay. The entry goes to the deadline a newer
    // release set, or away.
    if (!Array.isArray(reply)) return this.settleRefused(clientId, hint);
    const [pod, deadline] = reply as unknown[];
    await Promise.all([
      this.unindex(clientId, pod),
      // No deadline (no state kept, or none to expire): the hint goes, unless another release moved it
      // meanwhile, rather than wait for a sweeper that a stopped deployment no longer runs.
      typeof deadline === 'string' && deadline !== ''
        ? this.settleExpiry(clientId, deadline)
        : this.expiring.update(hint),
    ]);
  }

  private async settleRefused(clientId: string, hint: DueEntry): Promise<void> {
    const expires = await this.redis.hget(this.keys.owner(clientId), 'expires');
    if (expires) await this.settleExpiry(clientId, expires);
    else await this.expiring.update(hint);
  }

  /**
   * Moves the entry to the deadline the release set, then takes it back if
   * the session no longer has that deadline. Once the release ran, a clean
   * CONNECT on another replica can discard the session, and its entry with
   * it, before this step: the entry would come back for a session that is
   * gone, and stay until the deadline (a day for MQTT 3). The two keys are in
   * different slots, so no one script can do both; a discard after the check
   * removes the entry itself.
   */
  private async settleExpiry(clientId: string, deadline: string): Promise<void> {
    await this.expiring.settle(clientId, Number(deadline));
    const expires = await this.redis.hget(this.keys.owner(clientId), 'expires');
    if (expires !== deadline) await this.expiring.update({ clientId, score: deadline });
  }

  async claimExpired(limit = 100): Promise<ExpiredSession[]> {
    // Entries are independent: their scripts go out together, not one round trip each.
    const entries = await this.expiring.due(Date.now(), limit);
    const ended = await Promise.all(entries.map((entry) => this.expire(entry)));
    return ended.filter((e): e is ExpiredSession => e !== undefined);
  }

  private async expire(entry: DueEntry): Promise<ExpiredSession | undefined> {
    const reply = await EXPIRE_SESSION.run(this.redis, this.clientKeys(entry.clientId));
    const [kind, value] = Array.isArray(reply) ? (reply as unknown[]) : [];
    await this.expiring.update(entry, kind === 'later' ? Number(value) : undefined);
    if (kind !== 'expired') return undefined;
    return {
      clientId: entry.clientId,
      ...(typeof value === 'string' && value !== '' ? { vhost: value } : {}),
    };
  }

  async epochOf(clientId: string): Promise<number | undefined> {
    const epoch = await this.redis.hget(this.keys.owner(clientId), 'epoch');
    return epoch === null ? undefined : Number(epoch);
  }

  onTakeover(listener: (clientId: string, owner: OwnerRef) => void): void {
    this.takeovers.onTakeover(listener);
  }

  close(): Promise<void> {
    this.takeovers.close();
    return Promise.resolve();
  }

  /**
   * Keeps a pod's client index to the clients it owns, so it does not grow
   * with every client id ever seen (clients with random ids, clean sessions).
   */
  private async unindex(clientId: string, releasedFrom: unknown): Promise<void> {
    if (typeof releasedFrom === 'string' && releasedFrom !== '') {
      await this.redis.srem(this.keys.podClients(releasedFrom), clientId);
    }
  }

  private clientKeys(clientId: string): string[] {
    return [this.keys.owner(clientId), this.keys.session(clientId), this.keys.inboundQos2(clientId)];
  }
}

function claimReply(reply: unknown): [string, string, string, string, string[]] {
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
  if (!Array.isArray(reply) || reply.length !== 5 || !strings(reply.slice(0, 4)) || !strings(reply[4])) {
    throw new Error(`unexpected Redis script reply: ${JSON.stringify(reply)}`);
  }
  return reply as [string, string, string, string, string[]];
}
