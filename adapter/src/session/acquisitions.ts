/** What a connection can hold; each has an undo. */
export type Acquired = 'channel' | 'ownership' | 'will' | 'registry' | 'session' | 'timer';

interface Entry {
  readonly what: Acquired;
  readonly undo: () => unknown;
}

/** A step acquired something after its connection began closing; it was undone at once. */
export class Aborted extends Error {
  override readonly name = 'Aborted';
  constructor(what: Acquired) {
    super(`connection closed while acquiring ${what}`);
  }
}

/**
 * The undo of everything one connection acquired, in order. Closing runs
 * exactly the undos recorded, newest first, each once, whatever state the
 * connection was in. Something acquired after closing began (a broker reply
 * that arrives late) is undone at once, and the step that acquired it is told
 * to stop by Aborted.
 */
export class Acquisitions {
  private readonly entries: Entry[] = [];
  private releasing: Promise<void> | undefined;

  /** `onUndoError` gets the undo that failed, to try it again later if it can. */
  constructor(private readonly onUndoError: (what: Acquired, err: unknown, undo: () => unknown) => void) {}

  get held(): Acquired[] {
    return this.entries.map((e) => e.what);
  }

  get closed(): boolean {
    return this.releasing !== undefined;
  }

  /** Records the undo of `what`; throws Aborted (after undoing it) when closing has begun. */
  add(what: Acquired, undo: () => unknown): void {
    if (this.releasing) {
      void this.run({ what, undo });
      throw new Aborted(what);
    }
    this.entries.push({ what, undo });
  }

  /** Throws Aborted when closing has begun, so a pipeline stops before its next step. */
  check(what: Acquired): void {
    if (this.releasing) throw new Aborted(what);
  }

  /** Replaces the undos of `whats` by one that covers them all (an owner that now undoes them itself). */
  handOver(whats: readonly Acquired[], what: Acquired, undo: () => unknown): void {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      if (whats.includes(this.entries[i].what)) this.entries.splice(i, 1);
    }
    this.add(what, undo);
  }

  /** Runs every recorded undo once, newest first; later calls get the same promise. */
  release(): Promise<void> {
    this.releasing ??= this.runAll();
    return this.releasing;
  }

  private async runAll(): Promise<void> {
    while (this.entries.length > 0) await this.run(this.entries.pop() as Entry);
  }

  private async run(e: Entry): Promise<void> {
    try {
      await e.undo();
    } catch (err) {
      this.onUndoError(e.what, err, e.undo);
    }
  }
}
