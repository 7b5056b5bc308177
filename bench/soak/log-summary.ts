/**
 * Warning and error lines of a replica's pino output, counted by message (the
 * most frequent first); a line with a `step` field counts under its message
 * and step, so a close past its deadline says where it waited.
 */
export interface LogCount {
  readonly level: 'warn' | 'error' | 'fatal';
  readonly msg: string;
  readonly count: number;
}

const LEVELS: Record<number, LogCount['level']> = { 40: 'warn', 50: 'error', 60: 'fatal' };

export function warningsOf(output: string): LogCount[] {
  const counts = new Map<string, LogCount>();
  for (const line of output.split('\n')) {
    const level = /"level":(\d+)/.exec(line);
    const name = level ? LEVELS[Number(level[1])] : undefined;
    if (!name) continue;
    const text = /"msg":"((?:[^"\\]|\\.)*)"/.exec(line)?.[1] ?? line.slice(0, 120);
    const step = /"step":"((?:[^"\\]|\\.)*)"/.exec(line)?.[1];
    const msg = step === undefined ? text : `${text} (step: ${step})`;
    const key = `${name} ${msg}`;
    const c = counts.get(key);
    counts.set(key, { level: name, msg, count: (c?.count ?? 0) + 1 });
  }
  return [...counts.values()].sort((a, b) => b.count - a.count);
}
