const settle = (): void => undefined;

/**
 * What the operations of a client's ops channels wait for before they go
 * out: the close of a channel given up at a deadline, which RabbitMQ confirms
 * only once it has done what was sent on that channel before (a bind, a
 * declare), and the undo of such work. A bind RabbitMQ makes late must not
 * overtake the unbind that undoes it, nor a declare the delete of its queue.
 */
export class OpsBarrier {
  private last: Promise<void> | undefined;

  /** Settles once everything added so far has; undefined when nothing is outstanding. */
  get pending(): Promise<void> | undefined {
    return this.last;
  }

  /** Holds back the operations that follow until `work` settles, whichever way. */
  add(work: Promise<unknown>): void {
    const settled = work.then(settle, settle);
    const all = this.last ? Promise.all([this.last, settled]).then(settle) : settled;
    this.last = all;
    void all.then(() => {
      if (this.last === all) this.last = undefined;
    });
  }
}
