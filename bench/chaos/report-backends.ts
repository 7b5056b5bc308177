import { figureSections } from './report';
import type { BackendResult } from './run-backends';

/** Phase 2: RabbitMQ node deaths and Redis master failovers under the replicas. */
export function backendSection(r: BackendResult): string[] {
  const o = r.options;
  const done = (kind: string): number =>
    r.faults.filter((f) => f.kind === kind && f.error === undefined).length;
  const failed = r.faults.filter((f) => f.error !== undefined);
  const placed = r.faults.map((f) => ({
    startedMs: f.startedMs,
    what: f.kind === 'rabbit' ? `SIGKILL of RabbitMQ node ${f.target}` : `Redis failover (${f.target})`,
  }));
  return [
    '## Phase 2: RabbitMQ node deaths and Redis failovers',
    '',
    `${o.replicas} replicas (not killed in this phase) on a private 3-node RabbitMQ cluster ` +
      '(`MQTT_ADAPTER_AMQP_URL` lists the three nodes, each replica starting at another; ' +
      '`MQTT_ADAPTER_QUEUE_TYPE=quorum`) and a private Redis master, replica and 3 Sentinels ' +
      `(down-after ${o.detectMs} ms). For ${o.durationMs / 1000} s: a SIGKILL of one RabbitMQ node's VM ` +
      `every ${o.rabbitPeriodMs / 1000} s, the nodes in turn, restarted after ${o.rabbitDownMs} ms (only when all ` +
      `three ran, so a majority stays up); a SIGKILL of the Redis master every ${o.redisPeriodMs / 1000} s from ` +
      `${o.redisFirstMs / 1000} s, the old master restarted as a replica of the promoted one. ` +
      `Performed: **${done('rabbit')} RabbitMQ node kills, ${done('redis')} Redis failovers**` +
      (failed.length > 0 ? `, ${failed.length} that failed (below)` : '') +
      `. Start-up took ${Math.round(r.startupMs / 1000)} s, the phase ${Math.round(r.elapsedMs / 1000)} s.`,
    '',
    "Expected: the clients on a dead node's connection are disconnected and reconnect (with their session); " +
      'QoS 1 may be duplicated but not lost; QoS 2 is delivered exactly once when the publisher saw its PUBCOMP.',
    '',
    ...figureSections(
      r,
      {
        placed,
        willNote:
          'At each fault two clients with wills (MQTT 3.1.1 and 5) lose their connection (socket destroyed) and never come back.',
        willRows: [
          ['RabbitMQ node SIGKILL', r.willsAfter.rabbit],
          ['Redis master SIGKILL', r.willsAfter.redis],
        ],
        table: [
          '| Due | Started | Fault | Target | Back after | Reconnects meanwhile | Detail |',
          '| ---: | ---: | --- | --- | ---: | ---: | --- |',
          ...r.faults.map(
            (f) =>
              `| ${f.dueMs / 1000} s | ${(f.startedMs / 1000).toFixed(1)} s | ${f.kind === 'rabbit' ? 'RabbitMQ node SIGKILL' : 'Redis master SIGKILL'} | ` +
              `${f.target} | ${f.tookMs} ms | ${f.reconnects} | ${f.error === undefined ? f.detail : `failed: ${f.error}`} |`,
          ),
        ],
      },
      '###',
    ),
  ];
}
