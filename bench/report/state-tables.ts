import type { RunResults } from '../run/results';
import { LABEL, kib, med, num, ratio, table } from './format';

/** Result tables of idle connections, session resume and the cross-check. */

export function idleTable(r: RunResults): string {
  const rows: string[][] = [];
  for (const [kind, bySystem] of Object.entries(r.idle)) {
    const aTotal = med(bySystem.adapter, (x) => x.perConnectionTotal);
    for (const s of r.systems) {
      const xs = bySystem[s];
      if (!xs) continue;
      const labels = Object.keys(xs[0].perConnection);
      const parts = labels.map((l) => `${l} ${kib(med(xs, (x) => x.perConnection[l]))}`).join(', ');
      const total = med(xs, (x) => x.perConnectionTotal);
      // Results from before the two-half measurement have no mean from zero.
      const fromZero = xs[0].meanFromZero
        ? kib(med(xs, (x) => Object.values(x.meanFromZero ?? {}).reduce((a, b) => a + b, 0)))
        : '';
      rows.push([
        kind,
        LABEL[s],
        `${num(med(xs, (x) => x.connected))} / ${num(xs[0].connections)}`,
        num(med(xs, (x) => x.failed)),
        num(
          med(xs, (x) => x.connectSeconds),
          1,
        ),
        parts,
        kib(total),
        fromZero,
        s === 'adapter' ? '' : ratio(aTotal, total),
        xs
          .flatMap((x) => x.errors)
          .slice(0, 2)
          .join('; '),
      ]);
    }
  }
  return table(
    [
      'kind',
      'system',
      'connected',
      'failed',
      'connect s',
      'KiB per added connection, by process',
      'KiB total',
      'KiB total, mean from zero',
      'adapter ÷',
      'errors',
    ],
    rows,
  );
}

export function resumeTable(r: RunResults): string {
  const rows: string[][] = [];
  for (const [variant, bySystem] of Object.entries(r.resume)) {
    const aLast = med(bySystem.adapter, (x) => x.lastMessageMs);
    const aConnack = med(bySystem.adapter, (x) => x.connackMs);
    for (const s of r.systems) {
      const xs = bySystem[s];
      if (!xs) continue;
      const connack = med(xs, (x) => x.connackMs);
      const last = med(xs, (x) => x.lastMessageMs);
      rows.push([
        variant,
        LABEL[s],
        num(connack, 2),
        s === 'adapter' ? '' : ratio(aConnack, connack),
        num(last, 2),
        s === 'adapter' ? '' : ratio(aLast, last),
        xs
          .flatMap((x) => x.errors)
          .slice(0, 2)
          .join('; '),
      ]);
    }
  }
  return table(
    ['queued', 'system', 'CONNECT→CONNACK ms', 'adapter ÷', 'CONNECT→last message ms', 'adapter ÷', 'errors'],
    rows,
  );
}

export function crosscheckTable(r: RunResults): string {
  const rows: string[][] = [];
  for (const [variant, bySystem] of Object.entries(r.crosscheck)) {
    const a = med(bySystem.adapter, (x) => x.msgPerSecond);
    for (const s of r.systems) {
      const xs = bySystem[s];
      if (!xs) continue;
      const v = med(xs, (x) => x.msgPerSecond);
      rows.push([
        variant,
        LABEL[s],
        xs[0].tool,
        num(v),
        s === 'adapter' ? '' : ratio(a, v),
        xs.every((x) => x.ok) ? 'yes' : 'no',
      ]);
    }
  }
  return table(['variant', 'system', 'tool', 'publish msg/s', 'adapter ÷', 'all acknowledged'], rows);
}
