import { mergeEncoded, percentiles, type Percentiles } from '../stats/histogram';
import type { StepReport } from '../worker/protocol';

/** One load step against one system, summed over the workers. */
export interface StepResult {
  /** Offered publish rate, messages per second. */
  readonly rate: number;
  readonly seconds: number;
  readonly sent: number;
  readonly notSent: number;
  readonly expected: number;
  readonly received: number;
  readonly duplicates: number;
  readonly lost: number;
  /** Deliveries per second. */
  readonly throughput: number;
  readonly latency: Percentiles;
  readonly sendLag: Percentiles;
  /** CPU seconds of each process under test during the step. */
  readonly cpu: Record<string, number>;
  readonly cpuTotal: number;
  readonly generatorCpu: number;
  /** Deliveries per CPU-second of the processes under test. */
  readonly perCpuSecond: number;
  readonly closedConnections: number;
  readonly sustainable: boolean;
}

export interface StepInput {
  readonly rate: number;
  readonly seconds: number;
  /** Deliveries each published message should make (subscribers matching it). */
  readonly fanout: number;
  readonly qos: 0 | 1;
  readonly reports: readonly StepReport[];
  readonly cpu: Record<string, number>;
  readonly generatorCpu: number;
}

/** QoS 0 may lose this fraction and still count as sustained; QoS 1 may lose nothing. */
export const QOS0_LOSS_TOLERANCE = 0.001;
export const P99_LIMIT_US = 100_000;

export function summarize(i: StepInput): StepResult {
  const sum = (f: (r: StepReport) => number): number => i.reports.reduce((a, r) => a + f(r), 0);
  const sent = sum((r) => r.sent);
  const notSent = sum((r) => r.notSent);
  const received = sum((r) => r.received);
  const expected = (sent + notSent) * i.fanout;
  const lost = Math.max(0, expected - received);
  const latency = percentiles(mergeEncoded(i.reports.map((r) => r.latency)));
  const sendLag = percentiles(mergeEncoded(i.reports.map((r) => r.sendLag).filter(Boolean)));
  const cpuTotal = Object.values(i.cpu).reduce((a, b) => a + b, 0);
  const closedConnections = sum((r) => r.closedConnections);
  const tolerated = i.qos === 0 ? expected * QOS0_LOSS_TOLERANCE : 0;
  return {
    rate: i.rate,
    seconds: i.seconds,
    sent,
    notSent,
    expected,
    received,
    duplicates: sum((r) => r.duplicates),
    lost,
    throughput: received / i.seconds,
    latency,
    sendLag,
    cpu: i.cpu,
    cpuTotal,
    generatorCpu: i.generatorCpu,
    perCpuSecond: cpuTotal > 0 ? received / cpuTotal : 0,
    closedConnections,
    sustainable: received > 0 && lost <= tolerated && latency.p99 < P99_LIMIT_US && closedConnections === 0,
  };
}
