import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { failoverMustBeZero, failoverReport } from './report';
import { FAILOVER_DEFAULTS, runFailover } from './run';

/**
 * `node build/bench/failover/main.js --mode sentinel|cluster [--detect-ms N] [--replicas N] [--logs DIR]`
 * (`make failover`): one Redis failover under load, the report written to
 * bench/results/failover-<mode>-<date>.md; exits 1 when a must-be-zero figure
 * is not. Uses the shared RabbitMQ: run it under `flock /tmp/itest.lock`.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      mode: { type: 'string', default: 'sentinel' },
      'detect-ms': { type: 'string', default: String(FAILOVER_DEFAULTS.detectMs) },
      replicas: { type: 'string', default: String(FAILOVER_DEFAULTS.replicas) },
      logs: { type: 'string' },
    },
  });
  const mode = values.mode;
  if (mode !== 'sentinel' && mode !== 'cluster') throw new Error(`--mode sentinel|cluster, not ${mode}`);
  const root = path.resolve(__dirname, '../../..');
  const result = await runFailover({
    ...FAILOVER_DEFAULTS,
    mode,
    detectMs: Number(values['detect-ms']),
    replicas: Number(values.replicas),
    logDir: values.logs,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  const date = new Date().toISOString().slice(0, 10);
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim();
  const file = path.join(root, 'bench', 'results', `failover-${mode}-${date}.md`);
  const command = `node build/bench/failover/main.js ${process.argv.slice(2).join(' ')}`.trim();
  const report = failoverReport(result, { command, commit, date });
  writeFileSync(file, report);
  process.stdout.write(`\n${report}\nwritten to ${path.relative(root, file)}\n`);
  if (Object.values(failoverMustBeZero(result)).some((v) => v !== 0)) process.exitCode = 1;
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exitCode = 1;
});
