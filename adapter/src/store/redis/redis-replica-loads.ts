import { randomBytes } from 'node:crypto';
import type { ReplicaLoad, ReplicaLoads } from '../../ports/replica-loads';
import type { RedisClient } from './client';
import { RedisKeys } from './keys';

/** How long a rebalance request stands: every live replica reads it within a few intervals. */
const REQUEST_TTL_S = 3600;

/**
 * Replica loads in Redis: a load key per incarnation (`pod:{<inc>}:load`, the
 * session count, with a TTL) read for every member of the liveness set
 * `{pods}`, and one request key (`{rebalance}:request`) holding a random id.
 * Each key is read on its own, so Cluster needs no cross-slot command.
 */
export class RedisReplicaLoads implements ReplicaLoads {
  constructor(
    private readonly redis: RedisClient,
    private readonly incarnation: string,
    private readonly keys: RedisKeys = new RedisKeys(),
  ) {}

  async publish(sessions: number, ttlMs: number): Promise<void> {
    await this.redis.set(this.keys.podLoad(this.incarnation), String(sessions), 'PX', ttlMs);
  }

  async read(): Promise<ReplicaLoad[]> {
    const pods = await this.redis.smembers(this.keys.pods());
    const values = await Promise.all(pods.map((p) => this.redis.get(this.keys.podLoad(p))));
    const out: ReplicaLoad[] = [];
    pods.forEach((incarnation, i) => {
      const sessions = Number(values[i]);
      if (values[i] !== null && Number.isInteger(sessions) && sessions >= 0)
        out.push({ incarnation, sessions });
    });
    return out;
  }

  async request(): Promise<string> {
    const id = randomBytes(8).toString('hex');
    await this.redis.set(this.keys.rebalanceRequest(), id, 'EX', REQUEST_TTL_S);
    return id;
  }

  async standingRequest(): Promise<string | undefined> {
    return (await this.redis.get(this.keys.rebalanceRequest())) ?? undefined;
  }

  async withdraw(): Promise<void> {
    await this.redis.del(this.keys.podLoad(this.incarnation));
  }
}
