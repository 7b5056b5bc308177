import { rabbitAllocatedBytes } from '../proc/memory';
import { SharedServiceSystem } from './shared-system';

/**
 * The ceiling: the load generator speaks AMQP 0-9-1 to RabbitMQ directly
 * (amqplib), without confirms or acks for QoS 0 and with both for QoS 1.
 */
export class AmqpCeilingSystem extends SharedServiceSystem {
  readonly name = 'amqp-ceiling';
  readonly protocol = 'amqp';
  readonly port = 5672;

  constructor() {
    super({ rabbitmq: 'beam.smp' });
  }

  async memory(): Promise<Record<string, number>> {
    return { rabbitmq: await rabbitAllocatedBytes() };
  }
}
