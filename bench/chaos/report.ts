import type { ChaosResult } from './run';
import { describeSpread } from './spread';
import { notExactlyOnce, type StreamCount } from './stream-count';
import type { WillSummary } from './will-ledger';

/** The figures a chaos run must hold at zero, by name; the report and the short test both use them. */
export function mustBeZero(r: ChaosResult): Record<string, number> {
  const sum = (list: StreamCount[], f: (c: StreamCount) => number): number =>
    list.reduce((s, c) => s + f(c), 0);
  return {
    'QoS 1 PUBACKed but never delivered': sum(r.streams[1], (c) => c.lost.length),
    'QoS 2 delivered not exactly once': sum(r.streams[2], notExactlyOnce),
    'wills expected but not published': r.wills.missing.length,
    'wills published twice': r.wills.duplicated,
    'wills nobody expected': r.wills.unexpected.length,
    'persistent reconnects without session present': r.reconnects.withoutSession,
    'queues left': r.leftovers.queues.length,
    'consumers left': r.leftovers.consumers,
    'channels left': r.leftovers.channels,
    'Redis keys without expiry above baseline': r.leftovers.redisKeys.length - r.redisBaseline,
  };
}

const stream = (qos: number, c: StreamCount, i: number): string =>
  `| QoS ${qos} | ${i === 0 ? 'MQTT 3.1.1, clean session 0' : 'MQTT 5, session expiry 600 s'} | ` +
  `${c.acked} | ${c.received} | ${c.lost.length} | ${c.duplicates} | ${c.doubled.length} |`;

export function chaosReport(r: ChaosResult, meta: { command: string; commit: string; date: string }): string {
  const kills = r.faults.filter((f) => f.kind === 'kill').length;
  const wills = (what: string, w: WillSummary): string =>
    `| ${what} | ${w.expected} | ${w.published} | ${w.duplicated} | ${describeSpread(w.delayMs)} |`;
  const owners = r.leftovers.expiring.filter((k) => k.key.endsWith(':owner'));
  return [
    `# Chaos run, ${meta.date}`,
    '',
    `Command: \`${meta.command}\` (what \`make chaos\` runs after the build), at commit \`${meta.commit}\`.`,
    '',
    `${r.options.replicas} replicas on the shared Redis (store \`redis\`, a private key prefix) and RabbitMQ; ` +
      `for ${r.options.durationMs / 1000} s, a fault every ${r.options.periodMs / 1000} s: ` +
      `${kills} SIGKILL with a restart in place after ${r.options.restartAfterMs} ms, ` +
      `${r.faults.length - kills} SIGTERM drains with a restart once exited. Run took ${Math.round(r.elapsedMs / 1000)} s.`,
    '',
    '## Must be zero',
    '',
    '| Figure | Count |',
    '| --- | ---: |',
    ...Object.entries(mustBeZero(r)).map(([k, v]) => `| ${k} | ${v} |`),
    '',
    '## Streams',
    '',
    '| Stream | Subscriber | Acknowledged | Received | Lost | Duplicates | Numbers doubled |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ...r.streams[1].map((c, i) => stream(1, c, i)),
    ...r.streams[2].map((c, i) => stream(2, c, i)),
    '',
    ...doubledLines(r),
    '## Wills',
    '',
    '| After | Expected | Published | Duplicated | Delay from the fault |',
    '| --- | ---: | ---: | ---: | --- |',
    wills('SIGKILL, restart in place', r.willsAfter.kill),
    wills('drain (waits out the 10 s drain grace)', r.willsAfter.drain),
    wills('all', r.wills),
    '',
    'The will watcher is itself a persistent client that moves when its replica fails, so a will can wait for its resume.',
    '',
    '## Sessions and leftovers',
    '',
    `${r.reconnects.total} reconnects of persistent clients, ${r.reconnects.withoutSession} without session present; ` +
      `from the lost connection to the CONNACK on another replica: ${describeSpread(r.reconnects.gapMs)}. ` +
      `Left after the clients and replicas were gone: ${r.leftovers.queues.length} queues, ${r.leftovers.consumers} consumers, ` +
      `${r.leftovers.channels} channels, ${r.leftovers.redisKeys.length} Redis keys without expiry under the prefix ` +
      `(baseline ${r.redisBaseline}), and ${r.leftovers.expiring.length} keys that expire on their own ` +
      `(${owners.length} owner hashes, the epoch fence of clients that never came back, ` +
      `at most ${Math.round(Math.max(0, ...r.leftovers.expiring.map((k) => k.ttlMs)) / 1000)} s left).`,
    '',
    '| Fault at | Kind | Slot | Back after |',
    '| ---: | --- | ---: | ---: |',
    ...r.faults.map((f) => `| ${f.atMs / 1000} s | ${f.kind} | ${f.slot} | ${f.tookMs} ms |`),
    '',
  ].join('\n');
}

/** Each doubled number, placed after the fault it followed. */
function doubledLines(r: ChaosResult): string[] {
  if (r.doubled.length === 0) return [];
  return [
    'Numbers delivered twice (subscriber 0: MQTT 3.1.1, 1: MQTT 5), with the fault before their acknowledgement:',
    '',
    ...r.doubled.map((d) => {
      const before = r.faults.filter((f) => f.startedMs <= d.ackedMs).pop();
      const after =
        before === undefined
          ? 'before any fault'
          : `${d.ackedMs - before.startedMs} ms after the ${before.kind} of slot ${before.slot} at ${before.startedMs} ms`;
      return `- QoS ${d.qos}, subscriber ${d.subscriber}: ${d.n}, acknowledged at ${d.ackedMs} ms, ${after}`;
    }),
    '',
  ];
}
