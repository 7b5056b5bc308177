import { minMedianMax } from './spread';

/**
 * The wills a chaos run expects (clients left on a replica that was killed or
 * drained, and that never came back) against those a watcher saw, with the
 * delay of each from its fault. Pure: the watcher feeds it arrivals.
 */
export interface WillSummary {
  readonly expected: number;
  readonly published: number;
  readonly missing: string[];
  readonly unexpected: string[];
  readonly duplicated: number;
  /** Milliseconds from the fault to the first arrival: min, median, max (empty if none arrived). */
  readonly delayMs: readonly number[];
}

export class WillLedger {
  private readonly due = new Map<string, { faultAt: number; group: string }>();
  private readonly arrivals: { name: string; at: number }[] = [];

  /** `group` sorts the wills by the kind of fault that should fire them. */
  expect(name: string, faultAt: number, group = ''): void {
    this.due.set(name, { faultAt, group });
  }

  arrived(name: string, at: number): void {
    this.arrivals.push({ name, at });
  }

  complete(): boolean {
    const got = new Set(this.arrivals.map((a) => a.name));
    return [...this.due.keys()].every((n) => got.has(n));
  }

  /** All wills, or (with `group`) those of one group; unexpected arrivals only count in the former. */
  summary(group?: string): WillSummary {
    const first = new Map<string, number>();
    for (const a of this.arrivals) if (!first.has(a.name)) first.set(a.name, a.at);
    const due = new Map([...this.due].filter(([, d]) => group === undefined || d.group === group));
    const mine = group === undefined ? this.arrivals : this.arrivals.filter((a) => due.has(a.name));
    const delays = [...due]
      .filter(([name]) => first.has(name))
      .map(([name, d]) => (first.get(name) as number) - d.faultAt);
    return {
      expected: due.size,
      published: delays.length,
      missing: [...due.keys()].filter((n) => !first.has(n)),
      unexpected: group === undefined ? [...first.keys()].filter((n) => !due.has(n)) : [],
      duplicated: mine.length - new Set(mine.map((a) => a.name)).size,
      delayMs: minMedianMax(delays),
    };
  }
}
