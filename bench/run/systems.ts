import { AdapterSystem } from '../systems/adapter';
import { AedesSystem } from '../systems/aedes';
import { AmqpCeilingSystem } from '../systems/amqp-ceiling';
import { MosquittoSystem } from '../systems/mosquitto';
import { RabbitMqttSystem } from '../systems/rabbitmq-mqtt';
import type { SystemName, SystemUnderTest } from '../systems/types';

export const SYSTEM_NAMES: readonly SystemName[] = [
  'adapter',
  'rabbitmq-mqtt',
  'mosquitto',
  'aedes',
  'amqp-ceiling',
];

export function createSystem(name: SystemName, pinned: boolean): SystemUnderTest {
  switch (name) {
    case 'adapter':
      return new AdapterSystem(pinned);
    case 'rabbitmq-mqtt':
      return new RabbitMqttSystem();
    case 'mosquitto':
      return new MosquittoSystem();
    case 'aedes':
      return new AedesSystem(pinned);
    case 'amqp-ceiling':
      return new AmqpCeilingSystem();
  }
}

/** The systems in the order of repetition `rep`: each repetition starts one later. */
export function rotate<T>(xs: readonly T[], by: number): T[] {
  const k = xs.length ? by % xs.length : 0;
  return [...xs.slice(k), ...xs.slice(0, k)];
}
