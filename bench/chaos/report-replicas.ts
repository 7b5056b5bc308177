import { figureSections } from './report';
import type { ChaosResult } from './run';

/** Phase 1: faults of the adapter replicas on the shared Redis and RabbitMQ. */
export function replicaSection(r: ChaosResult): string[] {
  const kills = r.faults.filter((f) => f.kind === 'kill').length;
  const placed = r.faults.map((f) => ({ startedMs: f.startedMs, what: `${f.kind} of slot ${f.slot}` }));
  return [
    '## Phase 1: adapter replicas killed and drained',
    '',
    `${r.options.replicas} replicas on the shared Redis (store \`redis\`, a private key prefix) and RabbitMQ, rebalancing on (the default); ` +
      `for ${r.options.durationMs / 1000} s, a fault every ${r.options.periodMs / 1000} s: ` +
      `${kills} SIGKILL with a restart in place after ${r.options.restartAfterMs} ms, ` +
      `${r.faults.length - kills} SIGTERM drains with a restart once exited. Phase took ${Math.round(r.elapsedMs / 1000)} s.`,
    '',
    ...figureSections(
      r,
      {
        placed,
        willNote:
          'The will watcher is itself a persistent client that moves when its replica fails, so a will can wait for its resume.',
        willRows: [
          ['SIGKILL, restart in place', r.willsAfter.kill],
          ['drain (waits out the 10 s drain grace)', r.willsAfter.drain],
        ],
        table: [
          '| Fault at | Kind | Slot | Back after |',
          '| ---: | --- | ---: | ---: |',
          ...r.faults.map((f) => `| ${f.atMs / 1000} s | ${f.kind} | ${f.slot} | ${f.tookMs} ms |`),
        ],
      },
      '###',
    ),
  ];
}
