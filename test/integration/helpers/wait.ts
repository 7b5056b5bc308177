/**
 * Waiting in tests: on a promise with a deadline, on state that changes with
 * no event to wait on, and pacing. A pause is never proof that nothing
 * happened; wait for a positive signal instead wherever one exists.
 */

/** Rejects when `p` has not settled within `ms`, naming what was awaited. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `check` until it holds, for state that changes without an event to wait on. */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await delay(20);
  }
}

/** Pacing only: spreads out work, or lets time pass that the code under test measures. */
export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
