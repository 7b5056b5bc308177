import { RedisServer } from '../../test/integration/store/redis-server';
import { GENERATOR_CPU, SYSTEM_CPU, pin } from '../proc/pin';
import { startPrivateRabbit, type PrivateRabbit } from '../proc/private-rabbit';
import { AdapterSystem } from './adapter';
import type { SystemName, SystemUnderTest } from './types';

/**
 * The offload layout, made afresh for one measurement: RabbitMQ is a node of
 * its own pinned to one CPU (the systems' CPU), whatever the system. The
 * adapter, with a Redis of its own, runs on the other CPU, as adapter pods run
 * on cores of their own, and the load generator shares that CPU with it. The
 * RabbitMQ MQTT plugin and the raw AMQP ceiling are served by the same single
 * RabbitMQ core, the generator alone on the other. The machine's RabbitMQ and
 * Redis are not touched.
 */
export class OffloadSystem implements SystemUnderTest {
  readonly maxConnections = Infinity;
  readonly protocol: 'mqtt' | 'amqp';

  private constructor(
    readonly name: SystemName,
    private readonly rabbit: PrivateRabbit,
    private readonly adapter: AdapterSystem | undefined,
    private readonly redis: RedisServer | undefined,
    private readonly pinned: boolean,
  ) {
    this.protocol = name === 'amqp-ceiling' ? 'amqp' : 'mqtt';
  }

  /** Starts the node (with the MQTT plugin for the plugin's run) and, for the adapter, Redis and the adapter. */
  static async start(name: SystemName, tag: string, pinned: boolean): Promise<OffloadSystem> {
    if (name !== 'adapter' && name !== 'rabbitmq-mqtt' && name !== 'amqp-ceiling')
      throw new Error(`the offload scenario does not measure ${name}`);
    const rabbit = await startPrivateRabbit(`offload-${tag}`, {
      cpus: pinned ? SYSTEM_CPU : undefined,
      mqtt: name === 'rabbitmq-mqtt',
    });
    if (name !== 'adapter') return new OffloadSystem(name, rabbit, undefined, undefined, pinned);
    let redis: RedisServer | undefined;
    try {
      redis = await RedisServer.start();
      if (pinned) await pin(redis.pid, GENERATOR_CPU);
      const adapter = new AdapterSystem(
        pinned,
        {
          MQTT_ADAPTER_AMQP_URL: rabbit.amqpUrl,
          MQTT_ADAPTER_REDIS_URL: `redis://127.0.0.1:${redis.port}`,
        },
        GENERATOR_CPU,
      );
      adapter.serve({ rabbitmq: rabbit.pid, redis: redis.pid });
      await adapter.start();
      return new OffloadSystem(name, rabbit, adapter, redis, pinned);
    } catch (err) {
      await redis?.pause();
      await rabbit.stop();
      throw err;
    }
  }

  get port(): number {
    if (this.adapter) return this.adapter.port;
    return this.name === 'rabbitmq-mqtt' ? (this.rabbit.mqttPort ?? 0) : this.rabbit.port;
  }

  prepare(): Promise<void> {
    return Promise.resolve();
  }

  cleanup(): Promise<void> {
    return this.stop();
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  /** Stops what start made: the adapter, its Redis and the node. */
  async stop(): Promise<void> {
    await this.adapter?.stop();
    await this.redis?.pause();
    await this.rabbit.stop();
  }

  processes(): Record<string, number> {
    return this.adapter?.processes() ?? { rabbitmq: this.rabbit.pid };
  }

  memory(): Promise<Record<string, number>> {
    return Promise.resolve({});
  }

  notes(): string[] {
    if (!this.pinned) return ['offload: not pinned (no taskset), so the layout is not the one described'];
    return this.adapter
      ? [
          `offload: RabbitMQ on CPU ${SYSTEM_CPU}; adapter, its Redis and the load generator on CPU ${GENERATOR_CPU}`,
        ]
      : [`offload: RabbitMQ on CPU ${SYSTEM_CPU}; the load generator on CPU ${GENERATOR_CPU}`];
  }
}
