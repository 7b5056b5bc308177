import type { RunResults } from '../run/results';
import type { StepResult } from '../run/step-result';
import { LABEL, med, num, table } from './format';

/**
 * Fan-in CPU per delivered message, process by process, at the rates the
 * efficiency target names. The all-process figure hides which side moved; this
 * one shows the adapter's own share beside RabbitMQ's.
 */
export const CPU_RATES = [2000, 5000] as const;

/** CPU µs one process spent per delivered message in a step; NaN when it did not run or delivered nothing. */
export function microsPerMessage(step: StepResult | undefined, process: string): number {
  const cpu = step?.cpu[process];
  if (!step || cpu === undefined || step.received <= 0) return NaN;
  return (cpu * 1e6) / step.received;
}

const PROCESSES = ['adapter', 'rabbitmq', 'redis'] as const;

export function cpuTable(r: RunResults): string {
  const rows: string[][] = [];
  for (const [variant, bySystem] of Object.entries(r.fanIn)) {
    for (const s of r.systems) {
      const xs = bySystem[s];
      if (!xs) continue;
      for (const rate of CPU_RATES) {
        const at = (p: string): number =>
          med(xs, (x) =>
            microsPerMessage(
              x.steps.find((st) => st.rate === rate),
              p,
            ),
          );
        const cells = PROCESSES.map((p) => at(p));
        if (cells.every((c) => !Number.isFinite(c))) continue;
        rows.push([variant, LABEL[s], num(rate), ...cells.map((c) => num(c, 1))]);
      }
    }
  }
  if (!rows.length) return '';
  return table(
    ['variant', 'system', 'offered msg/s', 'adapter µs/msg', 'RabbitMQ µs/msg', 'Redis µs/msg'],
    rows,
  );
}
