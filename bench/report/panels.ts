import type { RunResults, Table } from '../run/results';
import type { SystemName } from '../systems/types';
import type { Panel } from './chart';
import { med } from './format';

/** The chart panels of each scenario, from the medians over repetitions. */

function panelOf<T>(
  title: string,
  t: Table<T>,
  f: (x: T) => number,
  label = (v: string): string => v,
): Panel {
  return {
    title,
    groups: Object.entries(t).map(([variant, bySystem]) => {
      const values: Partial<Record<SystemName, number>> = {};
      for (const [s, xs] of Object.entries(bySystem)) values[s as SystemName] = med(xs, f);
      return { label: label(variant), values };
    }),
  };
}

export function scenarioPanels(r: RunResults): Record<string, { title: string; panels: Panel[] }> {
  const p2pAt = (rate: number) => (x: { steps: { rate: number; latency: { p99: number } }[] }) =>
    (x.steps.find((s) => s.rate === rate)?.latency.p99 ?? NaN) / 1000;
  const rates = [
    ...new Set(Object.values(r.oneToOne).flatMap((b) => b.adapter?.[0]?.steps.map((s) => s.rate) ?? [])),
  ];
  return {
    'fan-in': {
      title: 'Fan-in: N publishers to 1 wildcard subscriber',
      panels: [
        panelOf('max sustained msg/s (p99 < 100 ms, no QoS 1 loss)', r.fanIn, (x) => x.maxRate),
        panelOf('msg per CPU-second at the reference rate', r.fanIn, (x) => x.reference?.perCpuSecond ?? NaN),
      ],
    },
    'one-to-one': {
      title: '1:1 latency: 100 publisher/subscriber pairs',
      panels: rates.map((rate) => panelOf(`p99 ms at ${rate} msg/s`, r.oneToOne, p2pAt(rate))),
    },
    'fan-out': {
      title: 'Fan-out: 1 publisher to 1000 subscribers',
      panels: [panelOf('max sustained deliveries/s', r.fanOut, (x) => x.maxDeliveries)],
    },
    idle: {
      title: 'Idle connections: KiB per connection, all processes under test',
      panels: [panelOf('KiB per connection', r.idle, (x) => x.perConnectionTotal / 1024)],
    },
    resume: {
      title: 'Session resume: CONNECT to last queued message',
      panels: [
        panelOf('ms to CONNACK', r.resume, (x) => x.connackMs),
        panelOf('ms to the last queued message', r.resume, (x) => x.lastMessageMs),
      ],
    },
    subscribe: {
      title: 'SUBSCRIBE → SUBACK of a clean session',
      panels: [
        panelOf('p50 ms, first SUBSCRIBE', r.subscribe, (x) => x.first.p50),
        panelOf('p50 ms, second SUBSCRIBE', r.subscribe, (x) => x.next.p50),
      ],
    },
    offload: {
      title: 'Offload: fan-in with RabbitMQ on one core, the adapter on the other',
      panels: [panelOf('max sustained msg/s', r.offload, (x) => x.maxRate)],
    },
    crosscheck: {
      title: 'Cross-check: closed-loop publish throughput (independent Go tool)',
      panels: [panelOf('publish msg/s', r.crosscheck, (x) => x.msgPerSecond)],
    },
  };
}
