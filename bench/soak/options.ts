/** What a soak run holds, churns and publishes, and for how long. */
export interface SoakOptions {
  readonly durationMs: number;
  /** Connections held throughout (the churn closes and reopens some of them). */
  readonly connections: number;
  /** Disconnects per second, each followed by a connect of the same client a tick later. */
  readonly churnPerSecond: number;
  /** PUBLISHes per second in all, numbered streams included. */
  readonly publishPerSecond: number;
  /** Of those, the numbered QoS 1 and QoS 2 streams to the persistent subscribers that count losses. */
  readonly streamPerSecond: Readonly<Record<1 | 2, number>>;
  /** Connects per second while the held connections are first opened. */
  readonly fillPerSecond: number;
  readonly sampleMs: number;
  /** Adapter replicas (on the Redis store). */
  readonly replicas: number;
  readonly log: (line: string) => void;
  /** Ends the load early (SIGINT, SIGTERM); the run still settles, leaves, reports and cleans up. */
  readonly stop?: AbortSignal;
}

export const SOAK_DEFAULTS: SoakOptions = {
  durationMs: 30 * 60_000,
  connections: 5000,
  churnPerSecond: 50,
  publishPerSecond: 1000,
  streamPerSecond: { 1: 50, 2: 25 },
  fillPerSecond: 250,
  sampleMs: 10_000,
  replicas: 1,
  log: () => undefined,
};

/** The short form among the integration tests: the same machinery, a tenth of the scale. */
export const SOAK_SHORT: SoakOptions = {
  ...SOAK_DEFAULTS,
  durationMs: 30_000,
  connections: 500,
  churnPerSecond: 20,
  publishPerSecond: 200,
  streamPerSecond: { 1: 20, 2: 10 },
  sampleMs: 3000,
};
