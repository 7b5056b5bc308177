/**
 * Metric names from PromQL, for checking dashboards and alerts against what the
 * code exports. Not a full PromQL parser: it removes what cannot be a metric name
 * (strings, label matchers, ranges, grouping clauses, Grafana variables, numbers,
 * keywords) and keeps the identifiers that are not function calls.
 */
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'atan2']);

export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^{}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)/g, ' ')
    .replace(/\b(?:group_left|group_right)\b/g, ' ')
    .replace(/\$\{\w+(?::\w+)?\}|\$\w+/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const before = stripped[m.index - 1] ?? ' ';
    const after = stripped.slice(m.index + m[0].length).trimStart();
    // A letter right after a digit is part of a number or duration (1e3, 5m).
    if (/[0-9.]/.test(before) || after.startsWith('(') || KEYWORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}

/** The sample names a text scrape can hold: each family's name, and the series a histogram or summary adds. */
export function exposedNames(scrape: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of scrape.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
  }
  return names;
}
