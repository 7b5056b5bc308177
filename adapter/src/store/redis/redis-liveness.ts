import type { Liveness } from '../../ports/liveness';
import type { OrphanWill } from '../../ports/will-store';
import type { RedisClient } from './client';
import { DueIndex } from './due-index';
import { RedisKeys } from './keys';
import { LEASE_DEAD_POD, SWEEP_CLIENT } from './liveness-scripts';
import { parseWillReply } from './will-reply';

export interface RedisLivenessOptions {
  readonly podName: string;
  /** MQTT_ADAPTER_LIVENESS_TTL_MS: a pod silent this long is presumed dead. */
  readonly ttlMs: number;
  readonly keys?: RedisKeys;
  /** How long one sweeper has a dead pod to itself; default ten liveness TTLs. */
  readonly sweepLeaseMs?: number;
}

/** Client ids read per SSCAN of a dead pod's index. */
const BATCH = 200;

/**
 * Pod liveness in Redis: a key with a short TTL per pod, a set of known pods,
 * and per pod the client ids claimed through it. A dead pod's clients are
 * handed over one atomic script each (see SWEEP_CLIENT).
 */
export class RedisLiveness implements Liveness {
  private readonly keys: RedisKeys;
  private readonly due: DueIndex;

  /** The client is shared, not owned: close() leaves it open. */
  constructor(
    private readonly redis: RedisClient,
    private readonly options: RedisLivenessOptions,
  ) {
    this.keys = options.keys ?? new RedisKeys();
    this.due = new DueIndex(redis, this.keys.willsDue());
  }

  async refresh(): Promise<void> {
    const pod = this.options.podName;
    await Promise.all([
      this.redis.set(this.keys.podAlive(pod), '1', 'PX', this.options.ttlMs),
      this.redis.sadd(this.keys.pods(), pod),
    ]);
  }

  async claimDeadPods(): Promise<OrphanWill[]> {
    const out: OrphanWill[] = [];
    for (const pod of await this.redis.smembers(this.keys.pods())) {
      if (pod !== this.options.podName) out.push(...(await this.sweep(pod)));
    }
    return out;
  }

  async stop(): Promise<void> {
    const pod = this.options.podName;
    await this.redis.srem(this.keys.pods(), pod);
    await this.redis.del(this.keys.podAlive(pod), this.keys.podClients(pod));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private async sweep(pod: string): Promise<OrphanWill[]> {
    const lease = this.options.sweepLeaseMs ?? this.options.ttlMs * 10;
    const leaseKeys = [this.keys.podAlive(pod), this.keys.podSweeper(pod)];
    if ((await LEASE_DEAD_POD.run(this.redis, leaseKeys, [this.options.podName, lease])) !== 1) return [];
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
    // Announced first, so a will scheduled by the script is never missing from the index.
    const entry = await this.due.announceIfAbsent(clientId, Date.now() + this.options.ttlMs);
    const keys = [this.keys.owner(clientId), this.keys.session(clientId), this.keys.will(clientId)];
    const reply = parseWillReply(await SWEEP_CLIENT.runBuffer(this.redis, keys, [pod, clientId]));
    if (reply.kind === 'scheduled') {
      await this.due.settle(clientId, reply.due);
      return undefined;
    }
    if (entry) await this.due.update(entry);
    return reply.kind === 'will' ? { clientId, will: reply.will } : undefined;
  }
}
