/** Min, median and max of `values` (empty when there are none). */
export function minMedianMax(values: readonly number[]): number[] {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? [] : [s[0], s[Math.floor((s.length - 1) / 2)], s[s.length - 1]];
}

export const describeSpread = (v: readonly number[]): string =>
  v.length === 0 ? 'none' : `min ${v[0]} ms, median ${v[1]} ms, max ${v[2]} ms`;
