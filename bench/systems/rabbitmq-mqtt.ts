import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { rabbitAllocatedBytes } from '../proc/memory';
import { freePort } from './process';
import { SharedServiceSystem } from './shared-system';

const run = promisify(execFile);
const SCRIPT = path.resolve(__dirname, '../../../scripts/bench-rabbitmq-mqtt.sh');
/** Sockets left to the tests and clients that share this RabbitMQ. */
const HEADROOM = 200;

/**
 * How many MQTT connections the plugin may take. RabbitMQ sizes its socket
 * table from the open-file limit it was started with (`sockets_limit`, 832
 * under the usual 1024); past it RabbitMQ raises an alarm that blocks every
 * new connection, the tests' too, and a running node cannot be given more.
 */
async function connectionBudget(): Promise<number> {
  const { stdout } = await run('rabbitmqctl', ['-q', 'eval', 'file_handle_cache:info([sockets_limit]).'], {
    timeout: 30_000,
  });
  const limit = Number(/sockets_limit,(\d+)/.exec(stdout)?.[1] ?? 0);
  return Math.max(0, limit - HEADROOM);
}

/**
 * RabbitMQ's own MQTT plugin on the same RabbitMQ, enabled for the run on a
 * spare port (1883 is Mosquitto's) and disabled again at the end, so the AMQP
 * listener the tests use is never touched.
 */
export class RabbitMqttSystem extends SharedServiceSystem {
  readonly name = 'rabbitmq-mqtt';
  readonly protocol = 'mqtt';
  port = 0;
  private enabled = false;

  constructor() {
    super({ rabbitmq: 'beam.smp' });
  }

  override async prepare(): Promise<void> {
    await super.prepare();
    this.maxConnections = await connectionBudget();
    this.port = await freePort();
    await run(SCRIPT, ['enable', String(this.port)], { timeout: 120_000 });
    this.enabled = true;
  }

  override async cleanup(): Promise<void> {
    if (!this.enabled) return;
    this.enabled = false;
    await run(SCRIPT, ['disable'], { timeout: 120_000 });
  }

  async memory(): Promise<Record<string, number>> {
    return { rabbitmq: await rabbitAllocatedBytes() };
  }

  override notes(): string[] {
    return [
      `rabbitmq_mqtt enabled for the run on port ${this.port}, disabled after`,
      `rabbitmq_mqtt limited to ${this.maxConnections} connections: this RabbitMQ was started with a socket limit (open files 1024) that a running node cannot raise; scenarios needing more skip it, idle connections use that many`,
    ];
  }
}
