import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import { cpuSeconds } from '../proc/cpu';

/** What the relay floors share: their child processes, listening and the counters they read. */

export function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );
}

/** An upstream that sends back what it reads, standing in for RabbitMQ's round trip. */
export async function echo(): Promise<void> {
  const server = net.createServer((s) => {
    s.setNoDelay(true);
    s.on('data', (d) => s.write(d));
    s.on('error', () => undefined);
  });
  process.send?.(await listen(server));
}

/** Forks `script` in `role`; `ready` is the first message it sends (its ports). */
export function child(
  script: string,
  role: string,
  args: string[],
): { proc: ChildProcess; ready: Promise<unknown> } {
  const proc = fork(script, [role, ...args]);
  const ready = new Promise((resolve) => proc.once('message', resolve));
  return { proc, ready };
}

/** Writes to a socket are held until `flush` runs (the end of the turn or of the tick), then leave in one write. */
export function corked(s: net.Socket, defer: (f: () => void) => void): (d: Buffer) => void {
  let held = false;
  const flush = (): void => {
    held = false;
    s.uncork();
  };
  return (d) => {
    if (!held) {
      held = true;
      s.cork();
      defer(flush);
    }
    s.write(d);
  };
}

export interface Counters {
  readonly cpu: number;
  readonly voluntary: number;
  readonly involuntary: number;
  readonly reads: number;
  readonly writes: number;
}

export function counters(pid: number): Counters {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (text: string, name: string): number =>
    Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return {
    cpu: cpuSeconds(pid),
    voluntary: field(status, 'voluntary_ctxt_switches'),
    involuntary: field(status, 'nonvoluntary_ctxt_switches'),
    reads: field(io, 'syscr'),
    writes: field(io, 'syscw'),
  };
}

/** One table row's per-message figures between two readings of the relay. */
export function perMessage(a: Counters, b: Counters, messages: number): string[] {
  const per = (x: number): string => (x / messages).toFixed(2);
  return [
    (((b.cpu - a.cpu) * 1e6) / messages).toFixed(1),
    per(b.voluntary - a.voluntary),
    per(b.involuntary - a.involuntary),
    per(b.reads - a.reads),
    per(b.writes - a.writes),
  ];
}
