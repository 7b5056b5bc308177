import type { OneToOneResult } from '../scenarios/one-to-one';
import type { RunResults, Table } from '../run/results';
import type { StepResult } from '../run/step-result';
import type { SystemName } from '../systems/types';
import { LABEL, med, ms, num, ratio, table } from './format';

/** Result tables of the scenarios that put load through: fan-in, 1:1 and fan-out. */

const reps = (n: number | undefined): string => (n ? String(n) : '0');

export function fanInTable(r: RunResults): string {
  const rows: string[][] = [];
  for (const [variant, bySystem] of Object.entries(r.fanIn)) {
    const a = bySystem.adapter;
    const aMax = med(a, (x) => x.maxRate);
    const aCpu = med(a, (x) => x.reference?.perCpuSecond ?? NaN);
    for (const s of r.systems) {
      const xs = bySystem[s];
      if (!xs) continue;
      const max = med(xs, (x) => x.maxRate);
      const cpu = med(xs, (x) => x.reference?.perCpuSecond ?? NaN);
      const best = (x: (typeof xs)[number]): StepResult | undefined =>
        x.steps.find((st) => st.sustainable && st.rate === x.maxRate);
      rows.push([
        variant,
        LABEL[s],
        num(max),
        s === 'adapter' ? '' : ratio(aMax, max),
        num(cpu),
        s === 'adapter' ? '' : ratio(aCpu, cpu),
        ms(med(xs, (x) => x.reference?.latency.p99 ?? NaN)),
        ms(med(xs, (x) => best(x)?.latency.p99 ?? NaN)),
        reps(xs.length),
      ]);
    }
  }
  return table(
    [
      'variant',
      'system',
      'max sustained msg/s',
      'adapter ÷',
      'msg per CPU-s at reference rate',
      'adapter ÷',
      'p99 ms at reference',
      'p99 ms at max',
      'reps',
    ],
    rows,
  );
}

/** One row per rate and system; `t` is the standard layout's 1:1 table unless given (the offload layout's). */
export function oneToOneTable(r: RunResults, t: Table<OneToOneResult> = r.oneToOne): string {
  const rows: string[][] = [];
  for (const [variant, bySystem] of Object.entries(t)) {
    const rates = bySystem.adapter?.[0]?.steps.map((s) => s.rate) ?? [];
    const all = new Set<number>(rates);
    for (const xs of Object.values(bySystem))
      for (const x of xs ?? []) for (const s of x.steps) all.add(s.rate);
    for (const rate of [...all].sort((p, q) => p - q)) {
      const at = (s: SystemName, f: (st: StepResult) => number): number =>
        med(bySystem[s], (x) => {
          const st = x.steps.find((y) => y.rate === rate);
          return st ? f(st) : NaN;
        });
      const aP99 = at('adapter', (st) => st.latency.p99);
      for (const s of r.systems) {
        if (!bySystem[s]) continue;
        const p99 = at(s, (st) => st.latency.p99);
        rows.push([
          variant,
          num(rate),
          LABEL[s],
          ms(at(s, (st) => st.latency.p50)),
          ms(p99),
          ms(at(s, (st) => st.latency.p999)),
          s === 'adapter' ? '' : ratio(aP99, p99),
          num(at(s, (st) => st.lost)),
          num(at(s, (st) => st.perCpuSecond)),
          ms(at(s, (st) => st.sendLag.p99)),
        ]);
      }
    }
  }
  return table(
    [
      'variant',
      'msg/s',
      'system',
      'p50 ms',
      'p99 ms',
      'p99.9 ms',
      'adapter ÷ (p99)',
      'lost',
      'msg per CPU-s',
      'generator lag p99 ms',
    ],
    rows,
  );
}

export function fanOutTable(r: RunResults): string {
  const rows: string[][] = [];
  for (const [variant, bySystem] of Object.entries(r.fanOut)) {
    const aDel = med(bySystem.adapter, (x) => x.maxDeliveries);
    const cpuAtBest = (x: { steps: StepResult[]; maxRate: number }): number =>
      x.steps.find((s) => s.rate === x.maxRate)?.perCpuSecond ?? NaN;
    const p99AtBest = (x: { steps: StepResult[]; maxRate: number }): number =>
      x.steps.find((s) => s.rate === x.maxRate)?.latency.p99 ?? NaN;
    const aCpu = med(bySystem.adapter, cpuAtBest);
    for (const s of r.systems) {
      const xs = bySystem[s];
      if (!xs) continue;
      const del = med(xs, (x) => x.maxDeliveries);
      const cpu = med(xs, cpuAtBest);
      rows.push([
        variant,
        LABEL[s],
        num(med(xs, (x) => x.maxRate)),
        num(del),
        s === 'adapter' ? '' : ratio(aDel, del),
        num(cpu),
        s === 'adapter' ? '' : ratio(aCpu, cpu),
        ms(med(xs, p99AtBest)),
        reps(xs.length),
      ]);
    }
  }
  return table(
    [
      'variant',
      'system',
      'max sustained publish msg/s',
      'deliveries/s',
      'adapter ÷',
      'deliveries per CPU-s',
      'adapter ÷',
      'p99 ms',
      'reps',
    ],
    rows,
  );
}
