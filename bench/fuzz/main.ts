import { runFuzz } from '../../test/integration/helpers/fuzz/run';
import { startFuzzTarget } from '../../test/integration/helpers/fuzz/target';

/**
 * `FUZZ_PACKETS=1000000 FUZZ_SEED=<n> node build/bench/fuzz/main.js` (`make fuzz`):
 * the long fuzz run against an in-process adapter on the shared RabbitMQ and
 * Redis (take /tmp/itest.lock around it). Prints outcome and mutation counts
 * and the bystander stream; exits 1 on any finding (each printed with its
 * replay line), on a crash, or on anything left open.
 */
async function main(): Promise<void> {
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1e9);
  const packets = Number(process.env.FUZZ_PACKETS ?? 1_000_000);
  const log = (line: string): void => void process.stdout.write(`${line}\n`);
  process.on('uncaughtException', (err) => {
    log(`CRASH seed ${seed}: ${err.stack}`);
    process.exit(1);
  });
  const target = await startFuzzTarget();
  try {
    log(`fuzz: seed ${seed}, ${packets} packets`);
    const r = await runFuzz(target.adapter, {
      seed,
      packets,
      job: process.env.FUZZ_JOB === undefined ? undefined : Number(process.env.FUZZ_JOB),
      sockets: 64,
      perSocket: 150,
      topicRoot: `fuzz/${target.id}`,
      log,
    });
    log(`${r.packets} packets on ${r.jobs} sockets in ${(r.ms / 1000).toFixed(1)} s (seed ${seed})`);
    log(`bystander stream: ${JSON.stringify(r.stream)}`);
    log(`outcomes: ${JSON.stringify(r.outcomes, null, 1)}`);
    log(`owed outcomes past the deadline, not hangs: ${r.late.count} (latest by ${r.late.maxMs} ms)`);
    log(`mutations: ${JSON.stringify(r.mutated)}`);
    await target.settled();
    log(`findings: ${r.findings.length}`);
    if (r.findings.length > 0) process.exitCode = 1;
  } finally {
    await target.stop();
  }
}

void main()
  .catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exitCode = 1;
  })
  // An adapter that could not stop would keep the process, and a chaos run behind it, waiting for ever.
  .finally(() => process.exit());
