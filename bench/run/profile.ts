/** How much of the matrix a run covers: `quick` for `make bench`, `full` for `make bench-full`. */
export interface Profile {
  readonly name: 'quick' | 'full';
  readonly reps: number;
  /** Variants measured in the first repetition only, to keep the run within its time. */
  readonly onceOnly: readonly string[];
  readonly stepMs: number;
  readonly drainMs: number;
  readonly fanIn: {
    readonly publishers: readonly number[];
    readonly qos: readonly (0 | 1)[];
    readonly rates: { readonly 0: readonly number[]; readonly 1: readonly number[] };
    /** Rate at which every system's messages per CPU-second are compared (same work for all). */
    readonly referenceRate: { readonly 0: number; readonly 1: number };
  };
  readonly oneToOne: {
    readonly pairs: number;
    readonly qos: readonly (0 | 1)[];
    readonly rates: readonly number[];
  };
  readonly fanOut: { readonly subscribers: number; readonly rates: readonly number[] };
  readonly idle: { readonly connections: number; readonly kinds: readonly IdleKind[]; readonly reps: number };
  readonly resume: { readonly queued: readonly number[]; readonly iterations: number };
  readonly crosscheck: { readonly clients: number; readonly count: number };
  /**
   * Fan-in with RabbitMQ on one core and the adapter on the other: a rate
   * ladder per QoS, climbed until a step is not sustained.
   */
  readonly offload: {
    readonly publishers: number;
    readonly qos: readonly (0 | 1)[];
    readonly rates: { readonly 0: readonly number[]; readonly 1: readonly number[] };
  };
  /** SUBSCRIBE → SUBACK: clean sessions, one at a time, each subscribing twice. */
  readonly subscribe: { readonly qos: readonly (0 | 1)[]; readonly iterations: number };
  /** The whole run stops starting new work after this long. */
  readonly maxMinutes: number;
}

export type IdleKind = 'plain' | 'qos0-sub' | 'qos1-persistent';

export const QUICK: Profile = {
  name: 'quick',
  reps: 1,
  onceOnly: [],
  stepMs: 2000,
  drainMs: 1000,
  fanIn: {
    publishers: [100],
    qos: [0, 1],
    rates: { 0: [2000, 5000, 10000, 20000, 40000], 1: [1000, 2000, 5000, 10000, 20000] },
    referenceRate: { 0: 5000, 1: 2000 },
  },
  oneToOne: { pairs: 100, qos: [1], rates: [1000, 5000, 10000] },
  fanOut: { subscribers: 1000, rates: [10, 20] },
  idle: { connections: 1000, kinds: ['plain', 'qos0-sub', 'qos1-persistent'], reps: 1 },
  resume: { queued: [0, 100, 1000], iterations: 2 },
  crosscheck: { clients: 100, count: 100 },
  offload: {
    publishers: 100,
    qos: [0, 1],
    rates: { 0: [2000, 5000, 10000, 15000, 20000, 30000], 1: [1000, 2000, 5000, 7500, 10000, 15000] },
  },
  subscribe: { qos: [0, 1], iterations: 300 },
  maxMinutes: 12,
};

export const FULL: Profile = {
  name: 'full',
  reps: 3,
  onceOnly: ['1000 publishers, QoS 0', '1000 publishers, QoS 1', '100 pairs, QoS 0'],
  stepMs: 2000,
  drainMs: 1000,
  fanIn: {
    publishers: [100, 1000],
    qos: [0, 1],
    rates: {
      0: [2000, 5000, 7500, 10000, 15000, 20000, 30000, 40000],
      1: [1000, 2000, 5000, 7500, 10000, 15000, 20000],
    },
    referenceRate: { 0: 5000, 1: 2000 },
  },
  oneToOne: { pairs: 100, qos: [0, 1], rates: [1000, 5000, 10000] },
  fanOut: { subscribers: 1000, rates: [10, 20, 50] },
  idle: { connections: 10000, kinds: ['plain', 'qos0-sub', 'qos1-persistent'], reps: 1 },
  resume: { queued: [0, 100, 1000], iterations: 2 },
  crosscheck: { clients: 100, count: 2000 },
  offload: {
    publishers: 100,
    qos: [0, 1],
    rates: {
      0: [2000, 5000, 7500, 10000, 12500, 15000, 17500, 20000, 25000, 30000, 40000],
      1: [1000, 2000, 3000, 4000, 5000, 6000, 7500, 10000, 12500, 15000],
    },
  },
  subscribe: { qos: [0, 1], iterations: 1000 },
  maxMinutes: 50,
};
