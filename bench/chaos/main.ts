import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { mustBeZero } from './report';
import { backendSection } from './report-backends';
import { replicaSection } from './report-replicas';
import { DEFAULTS, runChaos } from './run';
import { BACKEND_DEFAULTS, runBackendChaos } from './run-backends';

/**
 * `CHAOS_MINUTES=5 [CHAOS_PHASE=1|2] node build/bench/chaos/main.js` (`make
 * chaos`): phase 1 (replica faults on the shared Redis and RabbitMQ), then
 * phase 2 (RabbitMQ node deaths and Redis failovers on private ones), each
 * for CHAOS_MINUTES; CHAOS_PHASE runs one alone; CHAOS_LOG_DIR keeps the
 * replicas' output (phase1/, phase2/ under it). The report goes to
 * bench/results/chaos-<date>.md (chaos-<date>-phase<n>.md for one phase);
 * exits 1 when a must-be-zero figure is not, or a fault could not be done.
 */
async function main(): Promise<void> {
  const minutes = Number(process.env.CHAOS_MINUTES ?? '5');
  const phase = process.env.CHAOS_PHASE ?? '';
  if (!['', '1', '2'].includes(phase)) throw new Error(`CHAOS_PHASE must be 1 or 2, not ${phase}`);
  const root = path.resolve(__dirname, '../../..');
  const log = (line: string): void => void process.stdout.write(`${line}\n`);
  const durationMs = minutes * 60_000;
  const sections: string[][] = [];
  const logDir = process.env.CHAOS_LOG_DIR;
  let failed = false;
  if (phase !== '2') {
    log('phase 1: adapter replicas killed and drained');
    const r = await runChaos({
      ...DEFAULTS,
      durationMs,
      log,
      ...(logDir ? { logDir: path.join(logDir, 'phase1') } : {}),
    });
    sections.push(replicaSection(r));
    failed ||= Object.values(mustBeZero(r)).some((v) => v !== 0);
  }
  if (phase !== '1') {
    log('phase 2: RabbitMQ node deaths and Redis failovers');
    const r = await runBackendChaos({
      ...BACKEND_DEFAULTS,
      durationMs,
      log,
      ...(logDir ? { logDir: path.join(logDir, 'phase2') } : {}),
    });
    sections.push(backendSection(r));
    failed ||=
      Object.values(mustBeZero(r)).some((v) => v !== 0) || r.faults.some((f) => f.error !== undefined);
  }
  const date = new Date().toISOString().slice(0, 10);
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim();
  const file = path.join(root, 'bench', 'results', `chaos-${date}${phase === '' ? '' : `-phase${phase}`}.md`);
  const command = `CHAOS_MINUTES=${minutes}${phase === '' ? '' : ` CHAOS_PHASE=${phase}`} node build/bench/chaos/main.js`;
  const report = [
    `# Chaos run, ${date}`,
    '',
    `Command: \`${command}\` (what \`make chaos\` runs after the build), at commit \`${commit}\`.`,
    '',
    ...sections.flat(),
  ].join('\n');
  writeFileSync(file, report);
  process.stdout.write(`\n${report}\nwritten to ${path.relative(root, file)}\n`);
  if (failed) process.exitCode = 1;
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exitCode = 1;
});
