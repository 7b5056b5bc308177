import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../../operator/src/codegen/load-crd';
import { run, type RunResult } from './kubectl';

let bin: Promise<string> | undefined;

/**
 * promtool, built from Go modules by scripts/prom-tools.sh: a cold build takes
 * minutes on 2 cores (see the script), a cached one only relinks.
 */
function promtoolPath(): Promise<string> {
  bin ??= (async () => {
    const script = join(repoRoot(), 'scripts/prom-tools.sh');
    const { stdout } = await promisify(execFile)('bash', [script], { maxBuffer: 16 * 1024 * 1024 });
    return join(stdout.trim().split('\n').pop() ?? '', 'promtool');
  })();
  return bin;
}

/** Builds promtool if needed; for a before() hook, so no test pays the build within its own timeout. */
export async function ensurePromtool(): Promise<void> {
  await promtoolPath();
}

/** Runs promtool with these arguments (and stdin); a failed check is a result to assert on. */
export async function promtool(args: readonly string[], input?: string): Promise<RunResult> {
  return run(await promtoolPath(), args, input);
}
