import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { GENERATOR_CPU, pinnedCommand } from '../proc/pin';
import type { ClientSpec, Command, ReadyReply, Reply, StepReport, Target } from '../worker/protocol';

const WORKER = path.resolve(__dirname, '../worker/main.js');
const SETUP_TIMEOUT_MS = 180_000;

/** Source addresses for the load generator's connections: 127.0.0.2 … 127.0.0.201. */
export const LOCAL_ADDRESSES = Array.from({ length: 200 }, (_, i) => `127.0.0.${i + 2}`);

/** A loaded setup: how many clients connected and what went wrong. */
export interface SetupResult {
  readonly connected: number;
  readonly failed: number;
  readonly errors: string[];
}

/**
 * The load generator: worker processes on the generator CPU, each given a
 * share of the clients, driven step by step over IPC.
 */
export class WorkerPool {
  private readonly workers: ChildProcess[] = [];
  private readonly inbox = new Map<ChildProcess, Reply[]>();
  private readonly waiters = new Map<ChildProcess, () => void>();

  constructor(count: number, pinned: boolean) {
    for (let i = 0; i < count; i++) {
      const [cmd, args] = pinnedCommand(pinned ? GENERATOR_CPU : undefined, [process.execPath, WORKER]);
      const w = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      this.inbox.set(w, []);
      w.on('message', (r: Reply) => {
        this.inbox.get(w)?.push(r);
        this.waiters.get(w)?.();
      });
      w.on('exit', () => this.waiters.get(w)?.());
      this.workers.push(w);
    }
  }

  get pids(): Record<string, number> {
    const out: Record<string, number> = {};
    this.workers.forEach((w, i) => (out[`generator-${i}`] = w.pid ?? 0));
    return out;
  }

  private send(w: ChildProcess, c: Command): void {
    if (w.connected) w.send(c);
  }

  private async next<T extends Reply>(w: ChildProcess, type: T['type'], timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const box = this.inbox.get(w) as Reply[];
      const i = box.findIndex((r) => r.type === type);
      if (i >= 0) return box.splice(i, 1)[0] as T;
      if (w.exitCode !== null || Date.now() > deadline) throw new Error(`worker ${w.pid} gave no ${type}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.set(w, () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Gives worker i the clients `shares[i]` and waits until all are connected (or failed). */
  async setup(
    target: Target,
    shares: readonly (readonly ClientSpec[])[],
    connectConcurrency: number,
  ): Promise<SetupResult> {
    this.workers.forEach((w, i) =>
      this.send(w, {
        type: 'setup',
        target,
        clients: shares[i] ?? [],
        localAddresses: LOCAL_ADDRESSES.filter((_, j) => j % this.workers.length === i),
        connectConcurrency,
      }),
    );
    const replies = await Promise.all(
      this.workers.map((w) => this.next<ReadyReply>(w, 'ready', SETUP_TIMEOUT_MS)),
    );
    return {
      connected: replies.reduce((a, r) => a + r.connected, 0),
      failed: replies.reduce((a, r) => a + r.failed, 0),
      errors: replies.flatMap((r) => r.errors),
    };
  }

  /** Runs one load step on every worker and returns their reports after the drain. */
  async step(
    step: number,
    startUs: number,
    durationMs: number,
    ratePerPublisher: number,
    drainMs: number,
  ): Promise<StepReport[]> {
    for (const w of this.workers) this.send(w, { type: 'step', step, startUs, durationMs, ratePerPublisher });
    const waitMs =
      Math.max(0, (startUs - Number(process.hrtime.bigint() / 1000n)) / 1000) + durationMs + drainMs;
    await new Promise((r) => setTimeout(r, waitMs));
    for (const w of this.workers) this.send(w, { type: 'report', step });
    return Promise.all(this.workers.map((w) => this.next<StepReport>(w, 'report', 60_000)));
  }

  async teardown(cleanSessions: boolean): Promise<void> {
    for (const w of this.workers) this.send(w, { type: 'teardown', cleanSessions });
    await Promise.all(this.workers.map((w) => this.next(w, 'done', 180_000).catch(() => undefined)));
    this.kill();
  }

  kill(): void {
    for (const w of this.workers) if (w.exitCode === null) w.kill('SIGKILL');
  }
}

/** Deals clients to `n` workers round-robin. */
export function deal(clients: readonly ClientSpec[], n: number): ClientSpec[][] {
  const shares: ClientSpec[][] = Array.from({ length: n }, () => []);
  clients.forEach((c, i) => shares[i % n].push(c));
  return shares;
}
