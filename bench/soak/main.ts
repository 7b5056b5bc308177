import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { svgToPng } from '../report/png';
import { soakMustBeZero, windowStartMs } from './analysis';
import { lineChartSvg } from './chart';
import { SOAK_DEFAULTS, SOAK_SHORT } from './options';
import { soakPanels, soakReport } from './report';
import { runSoak } from './run';

/**
 * `SOAK_MINUTES=30 node build/bench/soak/main.js` (`make soak`): the soak,
 * its report and chart written to bench/results/soak-<date>.md and .png;
 * exits 1 when a must-be-zero figure is not.
 */
async function main(): Promise<void> {
  const minutes = Number(process.env.SOAK_MINUTES ?? '30');
  const root = path.resolve(__dirname, '../../..');
  const load = os.loadavg().map((l) => l.toFixed(1));
  // SOAK_SCALE=short: the scale of the short form among the integration tests, for a quick look.
  const scale = process.env.SOAK_SCALE === 'short' ? SOAK_SHORT : SOAK_DEFAULTS;
  // A signal ends the load; the private node, Redis and adapter are still stopped and the report written.
  const stop = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort());
  const r = await runSoak({
    ...scale,
    stop: stop.signal,
    durationMs: minutes * 60_000,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  const date = new Date().toISOString().slice(0, 10);
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim();
  const base = path.join(root, 'bench', 'results', `soak-${date}`);
  const warmup = windowStartMs(r) / 60_000;
  writeFileSync(
    `${base}.png`,
    svgToPng(lineChartSvg(`Soak, ${date}, commit ${commit}`, soakPanels(r), warmup)),
  );
  writeFileSync(`${base}.json`, JSON.stringify(r, null, 1));
  const report = soakReport(r, {
    command: `${scale === SOAK_SHORT ? 'SOAK_SCALE=short ' : ''}SOAK_MINUTES=${minutes} node build/bench/soak/main.js`,
    commit,
    date,
    png: `soak-${date}.png`,
    machine:
      `${os.cpus().length} CPUs, load average ${load.join(' ')} at the start ` +
      `(other work shares the machine; the run is niced).`,
  });
  writeFileSync(`${base}.md`, report);
  process.stdout.write(`\n${report}\nwritten to ${path.relative(root, base)}.md and .png\n`);
  if (Object.values(soakMustBeZero(r)).some((v) => v !== 0)) process.exitCode = 1;
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exitCode = 1;
});
