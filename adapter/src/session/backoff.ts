/**
 * The pause before attempt `attempt + 1` after `attempt` failures: `firstMs`,
 * doubling each time, at most `maxMs`. The store backlog and the will
 * publisher retry this way, each with its own bounds.
 */
export function doublingPause(attempt: number, firstMs: number, maxMs: number): number {
  return Math.min(firstMs * 2 ** Math.max(0, attempt - 1), maxMs);
}
