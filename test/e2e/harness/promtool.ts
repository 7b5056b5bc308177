import { join } from 'node:path';
import { goToolsDir } from './go-tools';
import { run, type RunResult } from './kubectl';

/** promtool, built from Go modules by scripts/prom-tools.sh. */
async function promtoolPath(): Promise<string> {
  return join(await goToolsDir('prom-tools.sh'), 'promtool');
}

/** Builds promtool if needed; for a before() hook, so no test pays the build within its own timeout. */
export async function ensurePromtool(): Promise<void> {
  await promtoolPath();
}

/** Runs promtool with these arguments (and stdin); a failed check is a result to assert on. */
export async function promtool(args: readonly string[], input?: string): Promise<RunResult> {
  return run(await promtoolPath(), args, input);
}
