import { strict as assert } from 'node:assert';
import { runFuzz } from '../helpers/fuzz/run';
import { startFuzzTarget, type FuzzTarget } from '../helpers/fuzz/target';

/**
 * Mutated MQTT 3.1, 3.1.1 and 5 packets, as a CONNECT and after one, on many
 * sockets at once, beside a numbered QoS 1 stream: nothing crashes or hangs,
 * the stream loses, doubles and reorders nothing, and nothing stays open.
 * `FUZZ_SEED` and `FUZZ_PACKETS` (and `FUZZ_JOB`) replay a run; the longer
 * run is `make fuzz`.
 */
describe('protocol: fuzzing', function () {
  this.timeout(120_000);
  let target: FuzzTarget;

  before(async () => {
    target = await startFuzzTarget();
  });
  after(async () => {
    await target?.stop();
  });

  it('survives 50,000 mutated packets with the bystander stream whole', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? 0x5eed);
    const r = await runFuzz(target.adapter, {
      seed,
      packets: Number(process.env.FUZZ_PACKETS ?? 50_000),
      job: process.env.FUZZ_JOB === undefined ? undefined : Number(process.env.FUZZ_JOB),
      sockets: 64,
      perSocket: 150,
      topicRoot: `fuzz/${target.id}`,
      log: (line) => console.log(`      ${line}`),
    });
    console.log(
      `      ${r.packets} packets on ${r.jobs} sockets in ${r.ms} ms; stream ${JSON.stringify(r.stream)}`,
    );
    console.log(`      outcomes ${JSON.stringify(r.outcomes)}`);
    console.log(`      mutations ${JSON.stringify(r.mutated)}`);
    assert.deepEqual(r.findings, []);
    assert.ok(r.stream.published > 0, 'the bystander stream sent nothing');
    await target.settled();
  });
});
