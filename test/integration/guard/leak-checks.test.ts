import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import Redis from 'ioredis';
import { uniqueId } from '../helpers/adapter';
import { deleteQueues } from '../helpers/rabbit';

/**
 * The checks every test file runs under: the per-file runner and its root
 * hooks, driven over a fixture file that leaves what it is told to behind.
 */

const ROOT = path.resolve(__dirname, '../../../..');
const RUNNER = path.join(ROOT, 'build/test/guard/run-files.js');
const FIXTURE = 'build/test/guard/fixtures/leaks.fixture.js';
const REDIS_URL = process.env.MQTT_ADAPTER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Run {
  readonly code: number;
  readonly output: string;
}

function runFixture(leak: string, runnerArgs: string[] = [], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [RUNNER, ...runnerArgs, FIXTURE],
      { cwd: ROOT, env: { ...process.env, LEAK: leak, TEST_LEAK_WAIT_MS: '1500', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, output: stdout + stderr });
      },
    );
  });
}

describe('leak checks of the test runner', function () {
  this.timeout(60_000);
  const name = uniqueId('mqtt-adapter-leak-fixture');
  const redis = new Redis(REDIS_URL, { lazyConnect: true });

  after(async () => {
    await deleteQueues([name]);
    await redis.connect();
    await redis.del(name);
    await redis.quit();
  });

  // Without --services: other runs on the shared RabbitMQ and Redis would show up in a comparison.
  it('passes a file that leaves nothing behind but its stdio', async () => {
    const run = await runFixture('');
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /1 files in \d+ s: 1 passed, 0 failed/);
  });

  it('fails a file that leaves a server, a timer, a queue and a Redis key, naming each', async () => {
    const run = await runFixture('server,timer,queue,key', ['--services'], { LEAK_NAME: name });
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /server listening on \{"address":"127\.0\.0\.1"/);
    assert.match(run.output, /active resources: .*Timeout/);
    assert.ok(run.output.includes(`+ queue / ${name} (0)`), run.output);
    assert.ok(run.output.includes(`+ redis db0 ${name}`), run.output);
    assert.match(run.output, /0 passed, 1 failed/);
  });

  it('names where a leaked timer was made when asked to', async () => {
    const run = await runFixture('timer', [], { TEST_TRACE_TIMERS: '1' });
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /timer made at\n\s+at Context\.<anonymous> \(.*leaks\.fixture\.ts:\d+/);
  });

  it('ends a leaking file whose own failing after hook kept the check from running', async () => {
    const run = await runFixture('server,failing-after');
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /this after hook fails/);
    assert.match(run.output, /the process did not exit within \d+ ms:\n.*\n\s+server listening on/);
  });

  it('kills a file that hangs and fails it', async () => {
    const run = await runFixture('hang', ['--file-timeout', '3']);
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /still running after 3 s; killed/);
  });

  it('fails a file that leaves a process of its own running, and ends that process', async () => {
    const run = await runFixture('process');
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /left processes of its own running \(\d+ sleep 600\); killed/);
  });
});
