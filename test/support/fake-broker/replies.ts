interface Held {
  readonly op: string;
  readonly run: () => void;
  readonly fail: (err: Error) => void;
}

/**
 * The broker's replies to one kind of request. Normally a reply comes at
 * once; while held, requests wait in order until a test lets them out one by
 * one, all at once, or fails them. A request's effect happens when its reply
 * goes out, as if it had reached the broker just then.
 */
export class Replies {
  private holding = false;
  /** While holding, only these operations wait; undefined: all do. */
  private only: ReadonlySet<string> | undefined;
  private readonly held: Held[] = [];
  private readonly watchers: (() => void)[] = [];
  /** Every reply sent, by operation name, in order. */
  readonly sent: string[] = [];

  /** Requests from now on (of the `only` operations, when given) wait for step(), release() or fail(). */
  hold(only?: readonly string[]): void {
    this.holding = true;
    this.only = only && new Set(only);
  }

  /** Replies flow again; the held ones go out first, in order. */
  release(): void {
    this.holding = false;
    while (this.held.length > 0) this.step();
  }

  /** Lets the oldest held request out; returns its operation name. */
  step(): string | undefined {
    const h = this.held.shift();
    h?.run();
    return h?.op;
  }

  /** Fails every held request with `err`, as the broker refusing them. */
  fail(err: Error): void {
    for (const h of this.held.splice(0)) h.fail(err);
  }

  /** The operations waiting, oldest first. */
  get pending(): readonly string[] {
    return this.held.map((h) => h.op);
  }

  /** Resolves once at least `n` requests are held. */
  async waitHeld(n = 1): Promise<void> {
    while (this.held.length < n) await new Promise<void>((resolve) => this.watchers.push(resolve));
  }

  /** Answers a request with what `effect` returns or throws, now or when it is let out. */
  reply<T>(op: string, effect: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const run = (): void => {
        this.sent.push(op);
        try {
          resolve(effect());
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      };
      if (!this.holding || (this.only && !this.only.has(op))) {
        run();
        return;
      }
      this.held.push({ op, run, fail: reject });
      for (const w of this.watchers.splice(0)) w();
    });
  }
}
