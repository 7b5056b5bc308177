import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';

/** A child process whose output goes to a log file, stopped with SIGTERM then SIGKILL. */
export class Proc {
  private exited: Promise<number | null>;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static start(
    name: string,
    cmd: string,
    args: string[],
    logFile: string,
    env: NodeJS.ProcessEnv = process.env,
  ): Proc {
    const out = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    return new Proc(name, child, logFile);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /** Resolves with the exit code (null when killed by a signal). */
  waitExit(): Promise<number | null> {
    return this.exited;
  }

  async stop(graceMs = 10_000): Promise<number | null> {
    if (!this.running) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

/** Waits for `ready`; when it fails, stops `proc` and throws with the end of its log. */
export async function startedOrStopped(proc: Proc, ready: () => Promise<unknown>): Promise<void> {
  try {
    await ready();
  } catch (err) {
    await proc.stop();
    throw new Error(`${proc.name}: ${String(err)}\n${proc.log().slice(-3000)}`, { cause: err });
  }
}
