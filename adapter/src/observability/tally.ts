import { Counter, type Registry } from 'prom-client';

/**
 * A counter for per-packet paths. prom-client hashes a labels object on every
 * increment; here an increment adds to a plain number per label value, and the
 * sums are handed to the prom-client counter when it is scraped.
 */
export class Tally {
  private readonly pending = new Map<string | number, number>();

  constructor(config: { name: string; help: string; label?: string; registers: Registry[] }) {
    const { label } = config;
    const pending = this.pending;
    new Counter({
      name: config.name,
      help: config.help,
      labelNames: label ? [label] : [],
      registers: config.registers,
      collect(this: Counter) {
        for (const [value, n] of pending) {
          if (label) this.inc({ [label]: value }, n);
          else this.inc(n);
        }
        pending.clear();
      },
    });
  }

  /** Adds `n` under a label value (ignored when the counter has no label). */
  add(value: string | number, n = 1): void {
    this.pending.set(value, (this.pending.get(value) ?? 0) + n);
  }
}
