import { delay } from '../../test/integration/helpers/wait';
import { MASTER_NAME, RedisSentinelServers } from '../../test/integration/store/redis-sentinel';
import { RabbitCluster } from '../../test/support/rabbit-cluster';
import { promoted } from '../failover/topology';
import type { Broker } from './leftovers';

/** How long a restarted Redis server may take to be a replica in sync again. */
const RESYNC_DEADLINE_MS = 30_000;

/**
 * The private backends of the second chaos phase: a 3-node RabbitMQ cluster
 * (quorum session queues) and a Redis master, its replica and 3 Sentinels,
 * with the two faults done to them. The machine's RabbitMQ and Redis are not
 * touched.
 */
export class Backends {
  private constructor(
    readonly rabbit: RabbitCluster,
    readonly redis: RedisSentinelServers,
  ) {}

  /** `detectMs`: the Sentinels' down-after. Stops what it started if the other fails to start. */
  static async start(detectMs: number): Promise<Backends> {
    const redis = await RedisSentinelServers.start({ downAfterMs: detectMs });
    try {
      return new Backends(await RabbitCluster.start(3, 'chaos'), redis);
    } catch (err) {
      await redis.stop();
      throw err;
    }
  }

  /**
   * The settings of replica `slot`. Its node list starts at node `slot`: every
   * replica pools one connection for its one user (guest), and with the same
   * list all would open it on the first node, leaving the others' deaths
   * without a client to disconnect.
   */
  replicaEnv(slot: number): Record<string, string> {
    const urls = this.rabbit.nodes.map((n) => `amqp://127.0.0.1:${n.amqpPort}`);
    const k = slot % urls.length;
    return {
      MQTT_ADAPTER_AMQP_URL: [...urls.slice(k), ...urls.slice(0, k)].join(','),
      MQTT_ADAPTER_QUEUE_TYPE: 'quorum',
      MQTT_ADAPTER_AMQP_CONNECT_TIMEOUT_MS: '3000',
      MQTT_ADAPTER_REDIS_MODE: 'sentinel',
      MQTT_ADAPTER_REDIS_URL: this.redis.seeds(),
      MQTT_ADAPTER_REDIS_SENTINEL_NAME: MASTER_NAME,
    };
  }

  /** SIGKILL of node `i`'s VM, `downMs` of it being dead, then its restart; resolves once it runs again. */
  async killRabbit(i: number, downMs: number): Promise<void> {
    await this.rabbit.killNode(i);
    await delay(downMs);
    await this.rabbit.startNode(i);
  }

  /**
   * SIGKILL of the Redis master; once the Sentinels promoted its replica, the
   * old master is restarted as a replica of the new one. Resolves when that
   * replica is in sync again, with the milliseconds each step took.
   */
  async failRedis(): Promise<{ from: number; to: number; promotedMs: number; resyncedMs: number }> {
    const old = await this.redis.currentMaster();
    const t0 = Date.now();
    await old.crash();
    await promoted(old, () => this.redis.currentMaster());
    const promotedMs = Date.now() - t0;
    const now = await this.redis.currentMaster();
    await old.resume(['--replicaof', '127.0.0.1', String(now.port)]);
    await old.inSync(RESYNC_DEADLINE_MS);
    return { from: old.port, to: now.port, promotedMs, resyncedMs: Date.now() - t0 };
  }

  async masterUrl(): Promise<string> {
    return `redis://127.0.0.1:${(await this.redis.currentMaster()).port}`;
  }

  /** Queues and channels as a running node of the cluster lists them (every channel there is the run's). */
  broker(): Broker {
    const ctl = (...args: string[]): Promise<string> => {
      const live = this.rabbit.nodes.findIndex((_, i) => this.rabbit.running(i));
      return this.rabbit.ctl(Math.max(0, live), ...args);
    };
    const lines = (out: string): string[] => out.split('\n').filter((l) => l.trim() !== '');
    return {
      queues: async () =>
        lines(await ctl('list_queues', '--no-table-headers', 'name', 'consumers')).map((l) => {
          const [name, consumers] = l.split('\t');
          return { name, consumers: Number(consumers) };
        }),
      channels: async () => lines(await ctl('list_channels', '--no-table-headers', 'name')),
    };
  }

  async stop(): Promise<void> {
    await Promise.all([this.rabbit.stop(), this.redis.stop()]);
  }
}
