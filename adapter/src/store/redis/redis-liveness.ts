import type { Liveness, SweepScope } from '../../ports/liveness';
import { EXPIRY_GRACE_MS } from './release-lua';
import type { OrphanWill } from '../../ports/will-store';
import { podOf } from '../incarnation';
import { verdict } from '../liveness-verdict';
import type { RedisClient } from './client';
import { connectedNames } from './connected-names';
import { DueIndex } from './due-index';
import { RedisKeys } from './keys';
import { LEASE_DEAD_POD, SWEEP_CLIENT } from './liveness-scripts';
import { parseWillReply } from './will-reply';

export interface RedisLivenessOptions {
  /** This process's incarnation (store/incarnation.ts): the name of its liveness, index and channel. */
  readonly incarnation: string;
  /** The name this incarnation's Redis connections carry (CLIENT SETNAME). */
  readonly connectionName: string;
  /** MQTT_ADAPTER_LIVENESS_TTL_MS: an incarnation silent this long is dead once its connections are gone. */
  readonly ttlMs: number;
  /** MQTT_ADAPTER_LIVENESS_STALL_MS: silent this much longer, it is dead even with connections open. */
  readonly stallMs: number;
  readonly keys?: RedisKeys;
  /** How long one sweeper has a dead incarnation to itself; default ten liveness TTLs. */
  readonly sweepLeaseMs?: number;
  /** Told (once) that Redis refuses CLIENT LIST, so only the TTL plus stall tolerance tells death. */
  readonly onClientListRefused?: () => void;
}

/** Client ids read per SSCAN of a dead incarnation's index. */
const BATCH = 200;
/** The alive key's value before incarnations: such a record counts by its TTL alone (a rolling upgrade). */
const NAMELESS = '1';
/** LEASE_DEAD_POD bound: the alive key must be gone. */
const GONE = -2;

interface Seen {
  readonly incarnation: string;
  readonly predecessor: boolean;
  readonly sinceRefreshMs: number | undefined;
  readonly connectionName: string | undefined;
}

/**
 * Liveness in Redis: per incarnation an alive key holding its connection name
 * and living TTL + stall tolerance, a set of known incarnations, and the client
 * ids claimed through each. A dead incarnation's clients are handed over one
 * atomic script each (see SWEEP_CLIENT).
 */
export class RedisLiveness implements Liveness {
  private readonly keys: RedisKeys;
  private readonly due: DueIndex;
  /** Released sessions for the sweeper (see RedisSessionStore.claimExpired). */
  private readonly expiring: DueIndex;
  private refusalTold = false;

  /** The client is shared, not owned: close() leaves it open. */
  constructor(
    private readonly redis: RedisClient,
    private readonly options: RedisLivenessOptions,
  ) {
    this.keys = options.keys ?? new RedisKeys();
    this.due = new DueIndex(redis, this.keys.willsDue());
    this.expiring = new DueIndex(redis, this.keys.sessionsExpiring(), EXPIRY_GRACE_MS);
  }

  private get recordMs(): number {
    return this.options.ttlMs + this.options.stallMs;
  }

  async refresh(): Promise<void> {
    const me = this.options.incarnation;
    await Promise.all([
      this.redis.set(this.keys.podAlive(me), this.options.connectionName, 'PX', this.recordMs),
      this.redis.sadd(this.keys.pods(), me),
    ]);
  }

  async claimDeadPods(scope: SweepScope = 'all'): Promise<OrphanWill[]> {
    const me = this.options.incarnation;
    const pod = podOf(me);
    const others = (await this.redis.smembers(this.keys.pods())).filter(
      (p) => p !== me && (scope === 'all' || podOf(p) === pod),
    );
    const seen = await Promise.all(others.map((p) => this.look(p, podOf(p) === pod)));
    let names: Promise<Set<string> | undefined> | undefined;
    const out: OrphanWill[] = [];
    for (const s of seen) {
      const v = verdict(s.sinceRefreshMs, s.predecessor, this.options.ttlMs);
      if (v === 'alive') continue;
      let bound = GONE;
      if (v === 'ask') {
        if (s.connectionName === undefined) continue;
        // One CLIENT LIST per sweep, and only when some incarnation has gone quiet.
        names ??= this.connectedNames();
        const open = await names;
        if (!open || open.has(s.connectionName)) continue;
        // Still as quiet as seen: a refresh in between sets the key's time back above this.
        bound = s.predecessor ? Number.MAX_SAFE_INTEGER : this.options.stallMs;
      }
      out.push(...(await this.sweep(s.incarnation, bound)));
    }
    return out;
  }

  async stop(): Promise<void> {
    const me = this.options.incarnation;
    await this.redis.srem(this.keys.pods(), me);
    await this.redis.del(this.keys.podAlive(me), this.keys.podClients(me));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private async look(incarnation: string, predecessor: boolean): Promise<Seen> {
    const key = this.keys.podAlive(incarnation);
    const [value, left] = await Promise.all([this.redis.get(key), this.redis.pttl(key)]);
    const alive = value !== null && left >= 0;
    return {
      incarnation,
      predecessor,
      sinceRefreshMs: alive ? Math.max(0, this.recordMs - left) : undefined,
      connectionName: alive && value !== NAMELESS ? value : undefined,
    };
  }

  private async connectedNames(): Promise<Set<string> | undefined> {
    const names = await connectedNames(this.redis);
    if (!names && !this.refusalTold) {
      this.refusalTold = true;
      this.options.onClientListRefused?.();
    }
    return names;
  }

  private async sweep(pod: string, bound: number): Promise<OrphanWill[]> {
    const lease = this.options.sweepLeaseMs ?? this.options.ttlMs * 10;
    const leaseKeys = [this.keys.podAlive(pod), this.keys.podSweeper(pod)];
    const leased = await LEASE_DEAD_POD.run(this.redis, leaseKeys, [this.options.incarnation, lease, bound]);
    if (leased !== 1) return [];
    const out: OrphanWill[] = [];
    const clients = this.keys.podClients(pod);
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.sscan(clients, cursor, 'COUNT', BATCH);
      cursor = next;
      // Clients are independent: their scripts go out together, not one round trip each.
      const wills = await Promise.all(batch.map((clientId) => this.sweepClient(pod, clientId)));
      for (const will of wills) if (will) out.push(will);
      if (batch.length > 0) await this.redis.srem(clients, ...batch);
    } while (cursor !== '0');
    if ((await this.redis.scard(clients)) === 0) await this.redis.srem(this.keys.pods(), pod);
    return out;
  }

  private async sweepClient(pod: string, clientId: string): Promise<OrphanWill | undefined> {
    // Announced first, so a will scheduled, or a session released, by the script is never missing
    // from its index. The session's entry is due at once: the sweeper moves it to the deadline.
    const [entry] = await Promise.all([
      this.due.announceIfAbsent(clientId, Date.now() + this.options.ttlMs),
      this.expiring.announce(clientId, Date.now()),
    ]);
    const keys = [
      this.keys.owner(clientId),
      this.keys.session(clientId),
      this.keys.will(clientId),
      this.keys.inboundQos2(clientId),
    ];
    const reply = parseWillReply(await SWEEP_CLIENT.runBuffer(this.redis, keys, [pod, clientId]));
    if (reply.kind === 'scheduled') {
      await this.due.settle(clientId, reply.due);
      return undefined;
    }
    if (entry) await this.due.update(entry);
    return reply.kind === 'will' ? { clientId, will: reply.will } : undefined;
  }
}
