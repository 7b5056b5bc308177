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
  const q0 = firstVariant(r.fanIn, '100 publishers, QoS 0');
  const cpu = (s: SystemName): number => med(q0?.[s], (x) => x.reference?.perCpuSecond ?? NaN);
  out.push(
    ratioCheck(
      'QoS 0 fan-in msg per CPU-s ≥ 1.5× RabbitMQ plugin',
      cpu('adapter'),
      cpu('rabbitmq-mqtt'),
      1.5,
    ),
  );
  out.push(ratioCheck('QoS 0 fan-in msg per CPU-s ≥ 1× Aedes', cpu('adapter'), cpu('aedes'), 1));
  out.push(
    ratioCheck(
      'QoS 0 fan-in msg per CPU-s ≥ 0.7× raw AMQP ceiling',
      cpu('adapter'),
      cpu('amqp-ceiling'),
      0.7,
    ),
  );
  const q1 = firstVariant(r.fanIn, '100 publishers, QoS 1');
  const max = (s: SystemName): number => med(q1?.[s], (x) => x.maxRate);
  out.push(
    ratioCheck(
      'QoS 1 fan-in max sustained msg/s ≥ 1.5× RabbitMQ plugin',
      max('adapter'),
      max('rabbitmq-mqtt'),
      1.5,
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
  const p2p = Object.entries(r.oneToOne).find(([k]) => k.endsWith('QoS 1'))?.[1];
  const p99 = (s: SystemName): number =>
    med(p2p?.[s], (x) => x.steps.find((st: StepResult) => st.rate === 5000)?.latency.p99 ?? NaN);
  const a = p99('adapter');
  const b = p99('rabbitmq-mqtt');
  out.push({
    target: '1:1 QoS 1 p99 at 5k msg/s ≤ RabbitMQ plugin',
    measured: Number.isFinite(a) && Number.isFinite(b) ? `${ms(a)} ms vs ${ms(b)} ms` : 'not measured',
    met: Number.isFinite(a) && Number.isFinite(b) ? a <= b : undefined,
  });
  const plain = r.idle.plain?.adapter;
  const adapterRss = med(plain, (x) => x.perConnection.adapter);
  out.push({
    target: 'adapter memory per idle clean connection ≤ 4 KiB',
    measured: Number.isFinite(adapterRss) ? `${kib(adapterRss)} KiB` : 'not measured',
    met: Number.isFinite(adapterRss) ? adapterRss <= 4096 : undefined,
  });
  const persistent = med(r.idle['qos1-persistent']?.adapter, (x) => x.perConnectionTotal);
  out.push({
    target: 'per persistent QoS 1 session, all processes ≤ 20 KiB',
    measured: Number.isFinite(persistent) ? `${kib(persistent)} KiB` : 'not measured',
    met: Number.isFinite(persistent) ? persistent <= 20480 : undefined,
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
