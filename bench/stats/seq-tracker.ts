/**
 * Which sequence numbers of each publisher one receiver has seen, so the
 * receiver counts unique messages and duplicates.
 */
export class SeqTracker {
  private readonly seen = new Map<number, Uint8Array>();
  unique = 0;
  duplicates = 0;

  record(publisher: number, seq: number): void {
    let bits = this.seen.get(publisher);
    const byte = seq >>> 3;
    if (!bits || byte >= bits.length) {
      const grown = new Uint8Array(Math.max(1024, (byte + 1) * 2));
      if (bits) grown.set(bits);
      bits = grown;
      this.seen.set(publisher, bits);
    }
    const mask = 1 << (seq & 7);
    if (bits[byte] & mask) {
      this.duplicates++;
      return;
    }
    bits[byte] |= mask;
    this.unique++;
  }

  /** Starts counting a new step; what was seen stays seen, so a late duplicate still counts. */
  resetCounts(): void {
    this.unique = 0;
    this.duplicates = 0;
  }
}
