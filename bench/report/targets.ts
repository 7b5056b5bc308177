import type { RunResults } from '../run/results';
import type { StepResult } from '../run/step-result';
import type { SystemName } from '../systems/types';
import { kib, med, ms, num, table } from './format';

/** The targets, each checked against this run's medians. */

interface Check {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean | undefined;
}

function ratioCheck(target: string, a: number, b: number, min: number): Check {
  const ok = Number.isFinite(a) && Number.isFinite(b) && b > 0;
  return {
    target,
    measured: ok ? `${num(a)} vs ${num(b)} = ${num(a / b, 2)}×` : 'not measured',
    met: ok ? a / b >= min : undefined,
  };
}

function firstVariant<T>(t: Record<string, T>, prefix: string): T | undefined {
  const key = Object.keys(t).find((k) => k.startsWith(prefix));
  return key ? t[key] : undefined;
}

export function checks(r: RunResults): Check[] {
  const out: Check[] = [];
  for (const qos of [0, 1]) {
    const fan = firstVariant(r.fanIn, `100 publishers, QoS ${qos}`);
    const cpu = (s: SystemName): number => med(fan?.[s], (x) => x.reference?.perCpuSecond ?? NaN);
    out.push(
      ratioCheck(
        `QoS ${qos} fan-in msg per CPU-s, all processes, ≥ 0.9× raw AMQP ceiling`,
        cpu('adapter'),
        cpu('amqp-ceiling'),
        0.9,
      ),
    );
  }
  const closedLoop = (s: SystemName): number => med(r.crosscheck['QoS 1']?.[s], (x) => x.msgPerSecond);
  out.push(
    ratioCheck(
      'closed-loop QoS 1 publish (cross-check tool) ≥ 1.0× RabbitMQ plugin',
      closedLoop('adapter'),
      closedLoop('rabbitmq-mqtt'),
      1,
    ),
  );
  for (const qos of [0, 1]) {
    const off = Object.entries(r.offload).find(([k]) => k.endsWith(`QoS ${qos}`))?.[1];
    const offMax = (s: SystemName): number => med(off?.[s], (x) => x.maxRate);
    out.push(
      ratioCheck(
        `Offload: QoS ${qos} fan-in max sustained on one RabbitMQ core ≥ 1.4× RabbitMQ plugin`,
        offMax('adapter'),
        offMax('rabbitmq-mqtt'),
        1.4,
      ),
    );
  }
  const plain = r.idle.plain?.adapter;
  const adapterRss = med(plain, (x) => x.perConnection.adapter);
  out.push({
    target: 'adapter memory per added idle clean connection ≤ 5 KiB',
    measured: Number.isFinite(adapterRss) ? `${kib(adapterRss)} KiB` : 'not measured',
    met: Number.isFinite(adapterRss) ? adapterRss <= 5120 : undefined,
  });
  const persistent = med(r.idle['qos1-persistent']?.adapter, (x) => x.perConnectionTotal);
  out.push({
    target: 'per persistent QoS 1 session, all processes ≤ 30 KiB',
    measured: Number.isFinite(persistent) ? `${kib(persistent)} KiB` : 'not measured',
    met: Number.isFinite(persistent) ? persistent <= 30720 : undefined,
  });
  const p2p = Object.entries(r.oneToOne).find(([k]) => k.endsWith('QoS 1'))?.[1];
  const p99 = (s: SystemName): number =>
    med(p2p?.[s], (x) => x.steps.find((st: StepResult) => st.rate === 1000)?.latency.p99 ?? NaN);
  const a = p99('adapter');
  const b = p99('amqp-ceiling');
  const both = Number.isFinite(a) && Number.isFinite(b);
  out.push({
    target: '1:1 QoS 1 p99 at 1k msg/s ≤ 1.2× raw AMQP ceiling',
    measured: both ? `${ms(a)} ms vs ${ms(b)} ms = ${num(a / b, 2)}×` : 'not measured',
    met: both ? a <= 1.2 * b : undefined,
  });
  const suback = med(r.subscribe['QoS 1']?.adapter, (x) => x.first.p50);
  const mosquitto = med(r.subscribe['QoS 1']?.mosquitto, (x) => x.first.p50);
  out.push({
    target: 'QoS 1 SUBSCRIBE→SUBACK p50 ≤ 2 ms (first SUBSCRIBE of a clean session)',
    measured: Number.isFinite(suback)
      ? `${num(suback, 2)} ms` + (Number.isFinite(mosquitto) ? ` (Mosquitto ${num(mosquitto, 2)} ms)` : '')
      : 'not measured',
    met: Number.isFinite(suback) ? suback <= 2 : undefined,
  });
  const conns = plain?.[0];
  out.push({
    target: '10k concurrent connections on one adapter process, no errors',
    measured: conns ? `${num(conns.connected)} connected, ${num(conns.failed)} failed` : 'not measured',
    met: conns ? conns.connected >= 10000 && conns.failed === 0 : undefined,
  });
  return out;
}

export function targetsTable(r: RunResults): string {
  const mark = (m: boolean | undefined): string => (m === undefined ? 'not measured' : m ? 'met' : 'missed');
  return table(
    ['target', 'measured (adapter vs other)', 'result'],
    checks(r).map((c) => [c.target, c.measured, mark(c.met)]),
  );
}
