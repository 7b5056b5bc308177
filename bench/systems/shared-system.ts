import { pinService, servicePid } from '../proc/shared-services';
import { waitForPort } from './process';
import type { SystemName, SystemUnderTest } from './types';

type Executable = Parameters<typeof servicePid>[0];

/**
 * A system made of services the machine already runs (RabbitMQ, Mosquitto):
 * nothing to start or stop, only to find, pin to the system CPU and check.
 */
export abstract class SharedServiceSystem implements SystemUnderTest {
  abstract readonly name: SystemName;
  abstract readonly protocol: 'mqtt' | 'amqp';
  abstract readonly port: number;
  maxConnections = Infinity;
  protected readonly pids: Record<string, number> = {};

  constructor(private readonly services: Readonly<Record<string, Executable>>) {}

  async prepare(): Promise<void> {
    for (const [label, executable] of Object.entries(this.services)) {
      this.pids[label] = servicePid(executable);
      await pinService(this.pids[label]);
    }
  }

  cleanup(): Promise<void> {
    return Promise.resolve();
  }

  async start(): Promise<void> {
    if (!(await waitForPort(this.port, 10_000)))
      throw new Error(`${this.name} is not listening on ${this.port}`);
  }

  stop(): Promise<void> {
    // A shared service: left running.
    return Promise.resolve();
  }

  processes(): Record<string, number> {
    return { ...this.pids };
  }

  abstract memory(): Promise<Record<string, number>>;

  notes(): string[] {
    return [];
  }
}
