import type { RunResults } from '../run/results';
import { LABEL, med, ms, num, ratio, table } from './format';

/**
 * Fan-in on one RabbitMQ core: each system's highest sustained rate, with
 * what shows whether the result is honest: the generator's lag (it shares the
 * adapter's core) and how busy RabbitMQ's core was at that rate.
 */
export function offloadTable(r: RunResults): string {
  const rows: string[][] = [];
  for (const [variant, bySystem] of Object.entries(r.offload)) {
    const aMax = med(bySystem.adapter, (x) => x.maxRate);
    for (const s of r.systems) {
      const xs = bySystem[s];
      if (!xs) continue;
      const max = med(xs, (x) => x.maxRate);
      const busy = (cpu: string) =>
        med(xs, (x) => (x.atMax ? (100 * (x.atMax.cpu[cpu] ?? NaN)) / x.atMax.seconds : NaN));
      rows.push([
        variant,
        LABEL[s],
        num(max),
        s === 'adapter' ? '' : ratio(aMax, max),
        num(busy('rabbitmq')),
        s === 'adapter' ? num(busy('adapter')) : '',
        ms(med(xs, (x) => x.atMax?.latency.p99 ?? NaN)),
        ms(med(xs, (x) => x.atMax?.sendLag.p99 ?? NaN)),
        ms(med(xs, (x) => x.atMax?.sendLag.max ?? NaN)),
        String(xs.length),
      ]);
    }
  }
  return table(
    [
      'variant',
      'system',
      'max sustained msg/s',
      'adapter ÷',
      'RabbitMQ core % at max',
      'adapter % at max',
      'p99 ms at max',
      'generator lag p99 ms at max',
      'generator lag max ms',
      'reps',
    ],
    rows,
  );
}
