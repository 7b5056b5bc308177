import { describeSpread, minMedianMax } from '../chaos/spread';
import type { WillSummary } from '../chaos/will-ledger';
import { PHASES, type FailoverResult } from './run';

/** The figures a failover run must hold at zero, by name; the report and the test both use them. */
export function failoverMustBeZero(r: FailoverResult): Record<string, number> {
  const sum = (f: (i: number) => number): number => r.streams[1].reduce((s, _, i) => s + f(i), 0);
  return {
    'QoS 1 PUBACKed but never delivered': sum((i) => r.streams[1][i].lost.length),
    'QoS 2 PUBCOMPed but never delivered': r.streams[2].reduce((s, c) => s + c.lost.length, 0),
    'QoS 2 delivered twice': r.streams[2].reduce((s, c) => s + c.doubled.length, 0),
    'live clients disconnected': r.liveDisconnected.length,
    'persistent clients disconnected (not provoked)': r.roamerUnprovoked,
    'wills of live clients published': r.wills.unexpected.length,
    'wills expected but not published': r.wills.missing.length,
    'wills published twice': r.wills.duplicated,
    'resumes without session present': r.resumes.withoutSession,
    'queues left': r.leftovers.queues.length,
    'consumers left': r.leftovers.consumers,
    'channels left': r.leftovers.channels,
    'Redis keys without expiry left': r.leftovers.redisKeys.length,
  };
}

const PHASE_TEXT: Record<(typeof PHASES)[number], string> = {
  before: 'killed 1 s before the master',
  during: 'killed 0.3 s after the master (its replica cannot reach Redis)',
  after: 'killed 2 s after CONNECTs are accepted again',
};

export function failoverReport(
  r: FailoverResult,
  meta: { command: string; commit: string; date: string },
): string {
  const o = r.options;
  const w = r.refusals;
  const wills = (what: string, s: WillSummary): string =>
    `| ${what} | ${s.expected} | ${s.published} | ${s.duplicated} | ${describeSpread(s.delayMs)} |`;
  const stream = (qos: number, i: number): string => {
    const c = r.streams[qos as 1 | 2][i];
    return `| QoS ${qos} | ${i === 0 ? 'MQTT 3.1.1, clean session 0' : 'MQTT 5, session expiry 600 s'} | ${c.acked} | ${c.received} | ${c.lost.length} | ${c.duplicates} |`;
  };
  const detect = o.mode === 'sentinel' ? 'Sentinel `down-after-milliseconds`' : '`cluster-node-timeout`';
  return [
    `# Redis failover (${o.mode}), ${meta.date}`,
    '',
    `Command: \`${meta.command}\`, at commit \`${meta.commit}\`.`,
    '',
    (o.mode === 'sentinel'
      ? 'A private master, its replica and three Sentinels (quorum 2)'
      : 'A private three-master Redis Cluster with one replica per master') +
      `, ${detect} ${o.detectMs} ms; ${o.replicas} adapter replicas on it (store \`redis\`) and on the shared RabbitMQ. ` +
      `Load: numbered QoS 1 and QoS 2 streams from persistent publishers (one every ${o.paceMs} ms each), ` +
      `two persistent subscribers, a new clean CONNECT every ${o.connectEveryMs} ms, ${o.liveWills} live clients with wills, ` +
      `and ${o.killedPerPhase} clients with wills killed (socket destroyed) in each of three phases. ` +
      `After ${o.warmupMs / 1000} s the master${o.mode === 'cluster' ? ' serving the first subscriber' : ''} is SIGKILLed; ` +
      `that subscriber is dropped 0.3 s later and must resume through the failover, the other 2 s after CONNECTs are accepted again; ` +
      `the load goes on ${o.observeMs / 1000} s more. Run took ${Math.round(r.elapsedMs / 1000)} s.`,
    '',
    '## Failover and new CONNECTs',
    '',
    '| Figure | Value |',
    '| --- | ---: |',
    `| SIGKILL to replica promoted | ${r.promotedMs} ms |`,
    `| SIGKILL to first CONNECT not accepted | ${w.firstRefusedMs ?? 'none'} ms |`,
    `| SIGKILL to first CONNECT accepted again | ${w.acceptedAgainMs ?? 'never'} ms |`,
    `| refusal window (first refused to first accepted again) | ${w.windowMs} ms |`,
    `| CONNECTs sent from the SIGKILL on | ${w.sent} |`,
    `| refused with a CONNACK code | ${w.refused} (${
      Object.entries(w.codes)
        .map(([c, n]) => `${c}: ${n}`)
        .join(', ') || 'none'
    }) |`,
    `| without a CONNACK (timeout, socket closed) | ${w.failed} |`,
    '',
    '## Must be zero',
    '',
    '| Figure | Count |',
    '| --- | ---: |',
    ...Object.entries(failoverMustBeZero(r)).map(([k, v]) => `| ${k} | ${v} |`),
    '',
    '## Streams',
    '',
    '| Stream | Subscriber | Acknowledged | Received | Lost | Duplicates |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...r.streams[1].map((_, i) => stream(1, i)),
    ...r.streams[2].map((_, i) => stream(2, i)),
    '',
    '## Wills',
    '',
    '| Clients | Expected | Published | Duplicated | Delay from the kill |',
    '| --- | ---: | ---: | ---: | --- |',
    ...PHASES.map((p) => wills(PHASE_TEXT[p], r.willsAfter[p])),
    wills('all', r.wills),
    '',
    `${o.liveWills} live clients with wills: ${r.liveDisconnected.length} disconnected, ${r.wills.unexpected.length} of their wills published.`,
    '',
    '## Sessions, replicas, leftovers',
    '',
    `${r.resumes.total} resumes of the dropped subscribers, ${r.resumes.withoutSession} without session present; ` +
      `from the drop to the CONNACK: ${describeSpread(minMedianMax(r.resumes.gapMs))}. ` +
      `Unprovoked reconnects of the persistent clients: ${r.roamerUnprovoked}` +
      (r.roamerUnprovoked > 0
        ? ` (${Object.entries(r.unprovokedBy)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ')}).`
        : '.'),
    '',
    'Replica counters at the end (summed):',
    '',
    '| Counter | Value |',
    '| --- | ---: |',
    ...Object.entries(r.metrics).map(([k, v]) => `| ${k} | ${v} |`),
    '',
    `Left after the clients and replicas were gone: ${r.leftovers.queues.length} queues, ${r.leftovers.consumers} consumers, ` +
      `${r.leftovers.channels} channels, ${r.leftovers.redisKeys.length} Redis keys without expiry on the masters, and ` +
      `${r.leftovers.expiring.length} keys that expire on their own (the owner hashes of clients that never came back).`,
    ...(r.leftovers.redisKeys.length > 0
      ? ['', 'Keys without expiry:', '', ...r.leftovers.redisKeys.map((k) => `- \`${k}\``)]
      : []),
    '',
  ].join('\n');
}
