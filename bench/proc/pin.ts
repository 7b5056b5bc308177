import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** CPU for the load generator and CPU for the system under test, as the issue suggests. */
export const GENERATOR_CPU = '0';
export const SYSTEM_CPU = '1';

export function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The CPU list a process may run on (`taskset -c -p`). */
export async function affinity(pid: number): Promise<string> {
  const { stdout } = await run('taskset', ['-c', '-p', String(pid)]);
  return stdout.trim().split(': ').pop() ?? '';
}

/** Pins every thread of a running process to `cpus`. */
export async function pin(pid: number, cpus: string): Promise<void> {
  await run('taskset', ['-a', '-c', '-p', cpus, String(pid)]);
}

/** The command line that starts a program pinned to `cpus` with a raised open-file limit. */
export function pinnedCommand(cpus: string | undefined, argv: readonly string[]): [string, string[]] {
  const script = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"';
  const rest = cpus === undefined ? [...argv] : ['taskset', '-c', cpus, ...argv];
  return ['bash', ['-c', script, 'bench', ...rest]];
}

/** The pid of the process listening on a loopback TCP port, from `ss`. */
export function listenerPid(port: number): number | undefined {
  try {
    const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
    const m = /pid=(\d+)/.exec(out);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
