import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Replicas, type Replica } from '../../test/integration/replicas/replicas';
import { delay } from '../../test/integration/helpers/wait';
import type { Fault } from './schedule';

/**
 * Replica slots on the shared Redis (a private key prefix) and RabbitMQ: a
 * fault stops a slot's process and puts a new one under the same pod name in
 * its place. Remembers the local ports of every AMQP socket its processes
 * held, so the channels they leave can be told from other users'.
 */
export class Fleet {
  readonly set: Replicas;
  readonly slots: Replica[] = [];
  readonly amqpPorts = new Set<number>();
  private turn = 0;

  constructor(
    env: Record<string, string> = {},
    /** Settings of one slot on top of `env`, kept across its restarts. */
    private readonly slotEnv: (slot: number) => Record<string, string> = () => ({}),
  ) {
    this.set = new Replicas(env);
  }

  /** Starts `n` replicas, one after another (the machine is small). */
  async start(n: number): Promise<void> {
    for (let i = 0; i < n; i++) this.slots.push(await this.set.add(this.slotEnv(this.slots.length)));
  }

  /** The MQTT port of a running replica, taken in turn so clients spread out. */
  livePort(): number {
    const running = this.slots.filter((r) => r.running);
    // None running (all stopped, or none started): a port that refuses, so a client just fails over again.
    if (running.length === 0) return this.slots[0]?.ports.mqtt ?? 1;
    return running[this.turn++ % running.length].ports.mqtt;
  }

  /** Runs a fault to the end: the slot is served by a new process when this resolves. */
  async inject(fault: Fault, restartAfterMs: number): Promise<void> {
    const victim = this.slots[fault.slot];
    if (fault.kind === 'kill') {
      await victim.kill();
      await delay(restartAfterMs);
    } else {
      await victim.stop();
    }
    this.slots[fault.slot] = await this.set.restart(victim);
  }

  /** Drains every replica (SIGTERM). */
  async stopAll(): Promise<void> {
    await this.noteAmqpPorts();
    await Promise.all(this.slots.map((r) => r.stop()));
  }

  /** Adds the local ports of the replicas' connections to RabbitMQ, from `ss`. */
  async noteAmqpPorts(): Promise<void> {
    const pids = new Set(this.slots.filter((r) => r.running).map((r) => r.pid));
    const out = await new Promise<string>((resolve) =>
      execFile('ss', ['-tnpH', 'dport = :5672'], (err, stdout) => resolve(err ? '' : stdout)),
    );
    for (const line of out.split('\n')) {
      const port = /127\.0\.0\.1:(\d+)\s+127\.0\.0\.1:5672/.exec(line);
      const pid = /pid=(\d+)/.exec(line);
      if (port && pid && pids.has(Number(pid[1]))) this.amqpPorts.add(Number(port[1]));
    }
  }

  /** Each replica's output, every process a slot had, into `dir` (`<pod>-<n>.log`). */
  writeLogs(dir: string): void {
    mkdirSync(dir, { recursive: true });
    this.set.list.forEach((r, i) => writeFileSync(join(dir, `${r.pod}-${i}.log`), r.output()));
  }
}
