import { systemClock, type Clock, type Timer } from '../ports/clock';
import { parseShared } from './shared';

/**
 * A hold ends by itself this long after its SUBSCRIBE was read: a bind that
 * RabbitMQ never answers, or a SUBSCRIBE queued behind a stalled store write,
 * must not hold matching publishes for longer.
 */
export const BIND_HOLD_MS = 2000;

/** A SUBSCRIBE's filters held from the moment it is read until its binds are made, or it fails, or its client goes. */
export interface BindHold {
  /** Ends the hold; once is enough, more is harmless. */
  readonly release: () => void;
}

interface Entry {
  readonly levels: readonly string[];
  readonly done: Promise<void>;
}

/**
 * The filters of this process whose SUBSCRIBE has been read and whose bind is
 * still under way. Within one process, order of reading is order of effect: a
 * PUBLISH read after a matching SUBSCRIBE waits for that bind before it goes
 * to RabbitMQ, so RabbitMQ routes it to the new binding. With nothing pending,
 * as almost always, a publish pays one size check.
 */
export class PendingBinds {
  private readonly entries = new Set<Entry>();

  constructor(
    /** Told when a hold ended at its deadline rather than by its release. */
    private readonly onExpired: () => void = () => undefined,
    private readonly clock: Clock = systemClock,
    private readonly ms = BIND_HOLD_MS,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Holds `filters` (a `$share/<group>/` prefix is taken off) until the returned hold is released. */
  hold(filters: readonly string[]): BindHold {
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    const held: Entry[] = filters.map((f) => ({ levels: innerFilter(f).split('/'), done }));
    for (const e of held) this.entries.add(e);
    let timer: Timer | undefined;
    const release = (): void => {
      timer?.cancel();
      for (const e of held) this.entries.delete(e);
      resolve();
    };
    timer = this.clock.after(
      this.ms,
      () => {
        timer = undefined;
        this.onExpired();
        release();
      },
      { unref: true },
    );
    return { release };
  }

  /** What a PUBLISH to `topic` read now must wait for; undefined when no pending filter may match it. */
  before(topic: string): Promise<void> | undefined {
    if (this.entries.size === 0) return undefined;
    const levels = topic.split('/');
    const waits = new Set<Promise<void>>();
    for (const e of this.entries) if (mayMatch(e.levels, 0, levels, 0)) waits.add(e.done);
    if (waits.size === 0) return undefined;
    return Promise.all(waits).then(() => undefined);
  }
}

function innerFilter(filter: string): string {
  const shared = parseShared(filter);
  return shared && shared !== 'invalid' ? shared.filter : filter;
}

/**
 * Whether a filter may match a topic, erring on the side of yes: `#` stands for
 * zero or more levels wherever it is (as AMQP's does, so opt-in AMQP-style
 * filters are covered too) and topics beginning with `$` are not set apart. A
 * false yes only makes a publish wait for a bind; a false no would lose it.
 */
export function mayMatch(f: readonly string[], i: number, t: readonly string[], j: number): boolean {
  for (; i < f.length; i++, j++) {
    if (f[i] === '#') {
      for (let k = j; k <= t.length; k++) if (mayMatch(f, i + 1, t, k)) return true;
      return false;
    }
    if (j >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[j]) return false;
  }
  return j === t.length;
}
