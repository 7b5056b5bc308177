/** A timer that can be cancelled; cancelling a fired or cancelled timer does nothing. */
export interface Timer {
  cancel(): void;
}

/**
 * Time as the connection and session see it: the real timers in production, a
 * clock a test advances by hand, so deadlines can expire without waiting.
 */
export interface Clock {
  now(): number;
  /** Runs `fn` once after `ms`; an `unref` timer does not keep the process alive. */
  after(ms: number, fn: () => void, options?: { readonly unref?: boolean }): Timer;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, fn, options) {
    const t = setTimeout(fn, ms);
    if (options?.unref) t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};
