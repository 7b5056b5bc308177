/** What a connection can hold; each has an undo. */
export type Acquired = 'channel' | 'ownership' | 'will' | 'registry' | 'session' | 'timer';

/** An undo: a function, or something whose close() is the undo (one object fewer per connection than a closure over it). */
export type Undo = (() => unknown) | { close(): unknown };

/** Told of an undo that failed, with a function that tries it again. */
export interface UndoFailures {
  undoFailed(what: Acquired, err: unknown, retry: () => unknown): void;
}

/** One recorded undo, linked to the one recorded before it: the newest is undone first. */
interface Entry {
  readonly what: Acquired;
  readonly undo: Undo;
  older: Entry | undefined;
}

/** A step acquired something after its connection began closing; it was undone at once. */
export class Aborted extends Error {
  override readonly name = 'Aborted';
  constructor(what: Acquired) {
    super(`connection closed while acquiring ${what}`);
  }
}

function runUndo(undo: Undo): unknown {
  return typeof undo === 'function' ? undo() : undo.close();
}

/**
 * The undo of everything one connection acquired, in order. Closing runs
 * exactly the undos recorded, newest first, each once, whatever state the
 * connection was in. Something acquired after closing began (a broker reply
 * that arrives late) is undone at once, and the step that acquired it is told
 * to stop by Aborted.
 *
 * The undos are a linked stack rather than an array: an open connection holds
 * one, and an array's first push reserves room for seventeen.
 */
export class Acquisitions {
  private newest: Entry | undefined;
  private releasing: Promise<void> | undefined;

  constructor(private readonly failures: UndoFailures) {}

  get held(): Acquired[] {
    const out: Acquired[] = [];
    for (let e = this.newest; e; e = e.older) out.unshift(e.what);
    return out;
  }

  get closed(): boolean {
    return this.releasing !== undefined;
  }

  /** Records the undo of `what`; throws Aborted (after undoing it) when closing has begun. */
  add(what: Acquired, undo: Undo): void {
    if (this.releasing) {
      void this.run({ what, undo, older: undefined });
      throw new Aborted(what);
    }
    this.newest = { what, undo, older: this.newest };
  }

  /** Throws Aborted when closing has begun, so a pipeline stops before its next step. */
  check(what: Acquired): void {
    if (this.releasing) throw new Aborted(what);
  }

  /** Replaces the undos of `whats` by one that covers them all (an owner that now undoes them itself). */
  handOver(whats: readonly Acquired[], what: Acquired, undo: Undo): void {
    let kept: Entry | undefined;
    for (let e = this.newest; e; e = e.older) {
      if (whats.includes(e.what)) {
        if (kept) kept.older = e.older;
        else this.newest = e.older;
      } else kept = e;
    }
    this.add(what, undo);
  }

  /** Runs every recorded undo once, newest first; later calls get the same promise. */
  release(): Promise<void> {
    this.releasing ??= this.runAll();
    return this.releasing;
  }

  private async runAll(): Promise<void> {
    while (this.newest) {
      const e = this.newest;
      this.newest = e.older;
      await this.run(e);
    }
  }

  private async run(e: Entry): Promise<void> {
    try {
      await runUndo(e.undo);
    } catch (err) {
      this.failures.undoFailed(e.what, err, () => runUndo(e.undo));
    }
  }
}
