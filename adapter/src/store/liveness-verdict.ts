/**
 * What a sweeper concludes about another incarnation from its liveness record:
 * `alive`; `dead`; or `ask`: dead only if it holds no connection to the store
 * any more. Connections tell a crash from a stall: the kernel of a crashed
 * process closes its sockets at once, while a stalled process (GC, CPU
 * throttling, SIGSTOP) keeps them open. The record itself lasts the TTL plus
 * the stall tolerance, so a stall that outlasts both, or a node lost without
 * closing its connections, still ends in `dead`.
 */
export type Verdict = 'alive' | 'dead' | 'ask';

/**
 * @param sinceRefreshMs time since its last refresh; undefined once the record is gone
 * @param predecessor an earlier incarnation of the sweeper's own pod: a pod runs one process
 *   at a time, so one without connections is dead whatever its record says
 */
export function verdict(sinceRefreshMs: number | undefined, predecessor: boolean, ttlMs: number): Verdict {
  if (sinceRefreshMs === undefined) return 'dead';
  return predecessor || sinceRefreshMs >= ttlMs ? 'ask' : 'alive';
}
