/** How long a node that refused a connection goes to the back of the line. */
const REFUSED_BACKOFF_MS = 5000;

/**
 * Which RabbitMQ node a new pooled connection goes to. Nodes that refused a
 * connection lately are tried last; among the others the one holding the
 * fewest pooled connections comes first, ties broken round-robin so an even
 * cluster fills evenly. Pure bookkeeping: the pool does the connecting.
 */
export class NodeChooser {
  private readonly open: number[];
  private readonly refusedAt: number[];
  private cursor = 0;

  constructor(
    readonly count: number,
    private readonly now: () => number = Date.now,
  ) {
    this.open = new Array<number>(count).fill(0);
    this.refusedAt = new Array<number>(count).fill(Number.NEGATIVE_INFINITY);
  }

  /** Every node, in the order to try them. */
  order(): number[] {
    const t = this.now();
    const rank = (i: number): [number, number, number] => [
      t - this.refusedAt[i] < REFUSED_BACKOFF_MS ? 1 : 0,
      this.open[i],
      (i - this.cursor + this.count) % this.count,
    ];
    return [...this.open.keys()].sort((a, b) => {
      const [ra, rb] = [rank(a), rank(b)];
      return ra[0] - rb[0] || ra[1] - rb[1] || ra[2] - rb[2];
    });
  }

  opened(i: number): void {
    this.open[i]++;
    this.refusedAt[i] = Number.NEGATIVE_INFINITY;
    this.cursor = (i + 1) % this.count;
  }

  closed(i: number): void {
    this.open[i] = Math.max(0, this.open[i] - 1);
  }

  refused(i: number): void {
    this.refusedAt[i] = this.now();
  }

  /** Pooled connections per node, in configuration order. */
  get spread(): readonly number[] {
    return [...this.open];
  }
}
