import type { RunResults } from '../run/results';
import { LABEL, med, num, ratio, table } from './format';

/** SUBSCRIBE → SUBACK p50 and p99 per system, the first SUBSCRIBE of a session and the next. */
export function subscribeTable(r: RunResults): string {
  const rows: string[][] = [];
  for (const [variant, bySystem] of Object.entries(r.subscribe)) {
    const a = med(bySystem.adapter, (x) => x.first.p50);
    for (const s of r.systems) {
      const xs = bySystem[s];
      if (!xs) continue;
      const first = med(xs, (x) => x.first.p50);
      rows.push([
        variant,
        LABEL[s],
        num(first, 2),
        num(
          med(xs, (x) => x.first.p99),
          2,
        ),
        num(
          med(xs, (x) => x.next.p50),
          2,
        ),
        num(
          med(xs, (x) => x.next.p99),
          2,
        ),
        s === 'adapter' ? '' : ratio(a, first),
        xs
          .flatMap((x) => x.errors)
          .slice(0, 2)
          .join('; '),
      ]);
    }
  }
  return table(
    [
      'QoS',
      'system',
      'first p50 ms',
      'first p99 ms',
      'next p50 ms',
      'next p99 ms',
      'adapter ÷ (first p50)',
      'errors',
    ],
    rows,
  );
}
