import type { Mqtt } from '../helpers/mqttjs';

/**
 * The wills a watcher on `<root>/#` saw (their payload is the name of whose
 * will it is, see willOn), with when each arrived, counted against those
 * expected: a failure test says how many were lost or doubled, not just that.
 */
export class WillTally {
  private readonly seen: { name: string; at: number }[] = [];

  constructor(watcher: Mqtt, root: string) {
    watcher.client.on('message', (topic, payload) => {
      if (topic.startsWith(`${root}/`)) this.seen.push({ name: payload.toString(), at: Date.now() });
    });
  }

  get count(): number {
    return this.seen.length;
  }

  names(): string[] {
    return this.seen.map((s) => s.name).sort();
  }

  /** Has every one of `names` arrived? */
  has(names: readonly string[]): boolean {
    const got = new Set(this.seen.map((s) => s.name));
    return names.every((n) => got.has(n));
  }

  /** Expected vs published vs doubled, and the latest arrival after `since` (ms). */
  tally(expected: readonly string[], since: number): Tally {
    const got = new Set(this.seen.map((s) => s.name));
    return {
      expected: expected.length,
      published: expected.filter((n) => got.has(n)).length,
      missing: expected.filter((n) => !got.has(n)),
      unexpected: [...got].filter((n) => !expected.includes(n)),
      duplicated: this.seen.length - got.size,
      latestMs: Math.max(0, ...this.seen.map((s) => s.at - since)),
    };
  }
}

export interface Tally {
  readonly expected: number;
  readonly published: number;
  readonly missing: string[];
  readonly unexpected: string[];
  readonly duplicated: number;
  readonly latestMs: number;
}

export const describeTally = (t: Tally): string =>
  `${t.expected} expected, ${t.published} published, ${t.duplicated} duplicated` +
  (t.missing.length ? `, missing ${t.missing.join(',')}` : '') +
  (t.unexpected.length ? `, unexpected ${t.unexpected.join(',')}` : '') +
  `, last ${t.latestMs} ms after the kill`;
