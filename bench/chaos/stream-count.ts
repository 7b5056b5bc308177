/**
 * Accounting of one numbered stream as one subscriber saw it: which numbers
 * the publisher had acknowledged (PUBACK for QoS 1, PUBCOMP for QoS 2) and
 * how often each arrived. Pure, so the rules are unit-tested apart from I/O.
 */
export interface StreamCount {
  /** Numbers the publisher sent and had acknowledged. */
  readonly acked: number;
  /** Distinct numbers received. */
  readonly received: number;
  /** Acknowledged but never delivered: the loss MQTT forbids at QoS 1 and 2 [MQTT-4.3.2-2]. */
  readonly lost: number[];
  /** Extra arrivals of a number already received. */
  readonly duplicates: number;
  /** Numbers delivered more than once (at QoS 2 a breach of exactly once [MQTT-4.3.3-2]). */
  readonly doubled: number[];
}

export class StreamCounter {
  private readonly ackedSet = new Set<number>();
  private readonly seen = new Map<number, number>();

  acked(n: number): void {
    this.ackedSet.add(n);
  }

  received(n: number): void {
    this.seen.set(n, (this.seen.get(n) ?? 0) + 1);
  }

  /** Has every acknowledged number arrived at least once? */
  complete(): boolean {
    for (const n of this.ackedSet) if (!this.seen.has(n)) return false;
    return true;
  }

  count(): StreamCount {
    const doubled = [...this.seen].filter(([, times]) => times > 1).map(([n]) => n);
    return {
      acked: this.ackedSet.size,
      received: this.seen.size,
      lost: [...this.ackedSet].filter((n) => !this.seen.has(n)).sort((a, b) => a - b),
      duplicates: [...this.seen.values()].reduce((sum, times) => sum + times - 1, 0),
      doubled: doubled.sort((a, b) => a - b),
    };
  }
}

/** Delivered other than exactly once: lost after the acknowledgement, or doubled. */
export const notExactlyOnce = (c: StreamCount): number => c.lost.length + c.doubled.length;
