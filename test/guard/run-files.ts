import { spawn } from 'node:child_process';
import { existsSync, globSync } from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { groupMembers } from './process-group';

/**
 * Runs mocha test files one process each, one after another:
 *
 *   node build/test/guard/run-files.js [--services] [--timeout ms] [--grep re]
 *     [--file-timeout s] [--config .mocharc.json] <file or glob>...
 *
 * A process per file makes the root hooks' leak checks per file: a file
 * answers for the sockets, timers, queues and keys it leaves. --services turns
 * on the RabbitMQ and Redis comparison. A file still running after
 * --file-timeout seconds is killed with every process it started and fails,
 * and so does one that exits leaving processes of its own running.
 */

const ROOT = path.resolve(__dirname, '../../..');
const MOCHA = require.resolve('mocha/bin/mocha.js');
/** Children a file stopped may still be on their way out when mocha exits. */
const GROUP_EXIT_GRACE_MS = 2_000;

interface Outcome {
  readonly file: string;
  readonly seconds: number;
  /** Why the file failed; undefined when it passed. */
  readonly failure: string | undefined;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    services: { type: 'boolean', default: false },
    timeout: { type: 'string' },
    grep: { type: 'string' },
    'file-timeout': { type: 'string', default: '600' },
    config: { type: 'string', default: '.mocharc.json' },
  },
});

/** The files the patterns name, relative to the repository; patterns are relative to the working directory. */
function testFiles(patterns: string[]): string[] {
  const files = new Set<string>();
  for (const pattern of patterns) {
    const matches = globSync(pattern);
    if (matches.length === 0 && !existsSync(pattern)) throw new Error(`no test file matches ${pattern}`);
    for (const file of matches.length > 0 ? matches : [pattern])
      files.add(path.relative(ROOT, path.resolve(file)));
  }
  return [...files].sort();
}

/** The processes of the group still running once a short grace for their own exits is over. */
async function settled(pgid: number): Promise<string[]> {
  const end = Date.now() + GROUP_EXIT_GRACE_MS;
  for (;;) {
    const left = groupMembers(pgid);
    if (left.length === 0 || Date.now() >= end) return left;
    await sleep(50);
  }
}

let running: number | undefined;

function runFile(file: string, fileTimeoutMs: number): Promise<Outcome> {
  const args = [MOCHA, '--config', path.resolve(ROOT, values.config)];
  if (values.timeout !== undefined) args.push('--timeout', values.timeout);
  if (values.grep !== undefined) args.push('--grep', values.grep);
  args.push(file);
  const env = { ...process.env, TEST_CHECK_SERVICES: values.services ? '1' : '0' };
  const started = Date.now();
  // Its own process group, so a hung file goes with every process it started.
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: 'inherit', detached: true });
  const pgid = child.pid as number;
  running = pgid;
  let timedOut = false;
  const watchdog = setTimeout(() => {
    timedOut = true;
    process.kill(-pgid, 'SIGKILL');
  }, fileTimeoutMs);
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      clearTimeout(watchdog);
      void settled(pgid).then((left) => {
        running = undefined;
        let failure: string | undefined;
        if (timedOut) failure = `still running after ${fileTimeoutMs / 1000} s; killed`;
        else if (code !== 0) failure = signal ? `killed by ${signal}` : `exit code ${code}`;
        if (left.length > 0) {
          process.kill(-pgid, 'SIGKILL');
          failure = `${failure ? `${failure}; ` : ''}left processes of its own running (${left.join(', ')}); killed`;
        }
        resolve({ file, seconds: (Date.now() - started) / 1000, failure });
      });
    });
  });
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (running !== undefined) process.kill(-running, 'SIGKILL');
    process.exit(130);
  });
}

async function main(): Promise<void> {
  const files = testFiles(positionals);
  const fileTimeoutMs = Number(values['file-timeout']) * 1000;
  const started = Date.now();
  const outcomes: Outcome[] = [];
  for (const [i, file] of files.entries()) {
    process.stdout.write(`\n=== [${i + 1}/${files.length}] ${file}\n`);
    const outcome = await runFile(file, fileTimeoutMs);
    outcomes.push(outcome);
    process.stdout.write(
      `=== ${file}: ${outcome.failure ? `FAILED (${outcome.failure})` : 'passed'} in ${outcome.seconds.toFixed(1)} s\n`,
    );
  }
  const failed = outcomes.filter((o) => o.failure !== undefined);
  process.stdout.write(
    `\n${files.length} files in ${((Date.now() - started) / 1000).toFixed(0)} s: ` +
      `${files.length - failed.length} passed, ${failed.length} failed\n` +
      failed.map((o) => `  ${o.file}: ${o.failure}\n`).join(''),
  );
  process.exitCode = failed.length > 0 ? 1 : 0;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
});
