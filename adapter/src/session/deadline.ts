import { systemClock, type Clock, type Timer } from '../ports/clock';

/** Waits for `work` at most `ms`; 'timeout' when the deadline came first. The work goes on either way. */
export async function withDeadline(
  work: Promise<unknown>,
  ms: number,
  clock: Clock = systemClock,
): Promise<'done' | 'timeout'> {
  let timer: Timer | undefined;
  const late = new Promise<'timeout'>((resolve) => {
    timer = clock.after(ms, () => resolve('timeout'));
  });
  try {
    return await Promise.race([work.then(() => 'done' as const), late]);
  } finally {
    timer?.cancel();
  }
}

/** The error a step sees when its deadline passed before it finished. */
export class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded';
  constructor(what: string, ms: number) {
    super(`${what} did not finish within ${ms} ms`);
  }
}

/** Like withDeadline, but the step's result, or DeadlineExceeded. */
export async function within<T>(
  work: Promise<T>,
  ms: number,
  what: string,
  clock: Clock = systemClock,
): Promise<T> {
  let timer: Timer | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = clock.after(ms, () => reject(new DeadlineExceeded(what, ms)));
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    timer?.cancel();
  }
}
