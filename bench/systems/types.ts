/** A system under test: something the load generator connects to, and the processes that do its work. */

export type SystemName = 'adapter' | 'rabbitmq-mqtt' | 'mosquitto' | 'aedes' | 'amqp-ceiling';

export interface SystemUnderTest {
  readonly name: SystemName;
  readonly protocol: 'mqtt' | 'amqp';
  /** Once per run, before any repetition (enable a plugin, pin a shared service). */
  prepare(): Promise<void>;
  /** Once per run, at the end, also after a failure: undo whatever prepare did. */
  cleanup(): Promise<void>;
  /** Starts (or checks) the system for one repetition; resolves when it accepts connections. */
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly port: number;
  /** Most MQTT connections this system may be given here without harming the machine's services. */
  readonly maxConnections: number;
  /** Every process under test, by label, whose CPU time counts. */
  processes(): Record<string, number>;
  /** Memory of every process under test, by label, in bytes. */
  memory(): Promise<Record<string, number>>;
  /** Facts about this run worth printing with the results (the store in use, say). */
  notes(): string[];
}

export const LOOPBACK = '127.0.0.1';
export const USERNAME = 'guest';
export const PASSWORD = 'guest';
