/** Per-key exponential backoff: 0.5 s, 1 s, 2 s ... capped, so a broken listener is retried without hammering the API. */
export function backoffMs(failures: number, baseMs = 500, maxMs = 60_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
}
