import { newHistogram, type Histogram } from '../stats/histogram';
import { SeqTracker } from '../stats/seq-tracker';
import { nowUs, readStamp } from '../wire/payload';
import type { Receiver } from './roles';

/**
 * Receives for the worker's subscribers: per subscriber, unique messages and
 * duplicates (by publisher and sequence number); for all of them, one latency
 * histogram from the scheduled send time. Only messages of the current step count.
 */
export class Collector {
  private step = -1;
  private latency: Histogram = newHistogram();
  private readonly trackers: SeqTracker[] = [];

  attach(r: Receiver): void {
    const t = new SeqTracker();
    this.trackers.push(t);
    r.onPayload = (payload) => {
      const s = readStamp(payload);
      if (!s || s.step !== this.step) return;
      t.record(s.publisher, s.seq);
      this.latency.recordValue(Math.max(1, Math.round(nowUs() - s.scheduledUs)));
    };
  }

  begin(step: number): void {
    this.step = step;
    this.latency = newHistogram();
    for (const t of this.trackers) t.resetCounts();
  }

  totals(): { received: number; duplicates: number; latency: Histogram } {
    let received = 0;
    let duplicates = 0;
    for (const t of this.trackers) {
      received += t.unique;
      duplicates += t.duplicates;
    }
    return { received, duplicates, latency: this.latency };
  }
}
