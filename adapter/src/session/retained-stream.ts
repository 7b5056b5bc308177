import { retainedPages, type RetainedStore } from '../ports/retained-store';
import type { Deliverer } from './delivery';
import type { RetainedRequest } from './subscriptions';
import type { Outbound, QoS } from './types';

/** Topics looked at per store read: with the window, what one client's retained delivery holds at most. */
export const RETAINED_PAGE = 100;

/** One filter's retained messages still owed; cancelling wakes whatever it waits on. */
class Stream {
  cancelled = false;
  private readonly wakers = new Set<() => void>();

  constructor(readonly request: RetainedRequest) {}

  cancel(): void {
    this.cancelled = true;
    for (const wake of [...this.wakers]) wake();
  }

  /** Waits for `subscribe` to call back, or for the cancel; the subscription is undone either way. */
  until(subscribe: (wake: () => void) => () => void): Promise<void> {
    if (this.cancelled) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.wakers.delete(done);
        off();
        resolve();
      };
      const off = subscribe(done);
      this.wakers.add(done);
    });
  }
}

/**
 * The retained messages a client is owed after its SUBACKs, read from the
 * store a page at a time and sent only as its window allows: QoS 1 and 2 ones
 * while fewer than `limit` are unacknowledged (the client's Receive Maximum
 * and the adapter's in-flight window), QoS 0 ones while the socket is not
 * congested. The next page is read only once the last one is out, so a `#`
 * over any number of retained messages holds one page and one window.
 *
 * Filters are served one after another in SUBSCRIBE order. Subscribing again
 * to a filter still owed starts it afresh with the new options (the client
 * asked for its retained messages again [MQTT-3.3.1-9]); unsubscribing drops
 * what is still owed for it (messages already sent finish their exchange,
 * [MQTT-3.10.4-3] allows either); closing stops every read.
 */
export class RetainedStreams {
  private readonly queue: Stream[] = [];
  private current: Stream | undefined;
  private running: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly store: RetainedStore,
    private readonly deliverer: Deliverer,
    private readonly out: Outbound,
    private readonly limit: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Owes the client the retained messages of a filter it was just granted. */
  start(r: RetainedRequest): void {
    if (this.closed) return;
    this.stop(r.filter);
    this.queue.push(new Stream(r));
    this.next();
  }

  /** Nothing more is sent for the filter. */
  stop(filter: string): void {
    if (this.current?.request.filter === filter) this.current.cancel();
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (this.queue[i].request.filter === filter) this.queue.splice(i, 1);
    }
  }

  /** Stops every stream; resolves once a store read under way has ended, after which none starts. */
  close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    this.current?.cancel();
    return this.running;
  }

  private next(): void {
    if (this.current || this.closed) return;
    const s = this.queue.shift();
    if (!s) return;
    this.current = s;
    this.running = this.send(s)
      .catch((err: unknown) => {
        if (!this.closed) this.onError(err);
      })
      .finally(() => {
        this.current = undefined;
        this.next();
      });
  }

  private async send(s: Stream): Promise<void> {
    const r = s.request;
    // Leaving the loop ends the generator, so a cancelled stream reads no further page.
    for await (const page of retainedPages(this.store, r.filter, RETAINED_PAGE)) {
      for (const m of page) {
        const qos = Math.min(m.qos, r.qos) as QoS;
        await this.room(qos, s);
        if (s.cancelled) return;
        this.deliverer.retained(m, qos, r.subscriptionId);
      }
      if (s.cancelled) return;
    }
  }

  /** Waits until a message at this QoS may go out, or the stream is cancelled. */
  private async room(qos: QoS, s: Stream): Promise<void> {
    if (qos === 0) {
      // drained() also resolves when the socket closes, so this wait ends with the connection.
      while (this.out.congested && !s.cancelled)
        await s.until((wake) => this.wakeOn(this.out.drained(), wake));
      return;
    }
    while (this.deliverer.inFlight >= this.limit && !s.cancelled) {
      await s.until((wake) => this.deliverer.onFreed(wake));
    }
  }

  private wakeOn(p: Promise<void>, wake: () => void): () => void {
    let on = true;
    void p.then(() => on && wake());
    return () => (on = false);
  }
}
