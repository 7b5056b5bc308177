import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { chaosReport, mustBeZero } from './report';
import { DEFAULTS, runChaos } from './run';

/**
 * `CHAOS_MINUTES=5 node build/bench/chaos/main.js` (`make chaos`): the chaos
 * run, its report written to bench/results/chaos-<date>.md; exits 1 when a
 * must-be-zero figure is not.
 */
async function main(): Promise<void> {
  const minutes = Number(process.env.CHAOS_MINUTES ?? '5');
  const root = path.resolve(__dirname, '../../..');
  const result = await runChaos({
    ...DEFAULTS,
    durationMs: minutes * 60_000,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  const date = new Date().toISOString().slice(0, 10);
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim();
  const file = path.join(root, 'bench', 'results', `chaos-${date}.md`);
  const report = chaosReport(result, {
    command: `CHAOS_MINUTES=${minutes} node build/bench/chaos/main.js`,
    commit,
    date,
  });
  writeFileSync(file, report);
  process.stdout.write(`\n${report}\nwritten to ${path.relative(root, file)}\n`);
  if (Object.values(mustBeZero(result)).some((v) => v !== 0)) process.exitCode = 1;
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exitCode = 1;
});
