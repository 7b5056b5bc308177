/**
 * Is a series flat after warm-up? A least-squares line through the samples of
 * the last part of the run; its change over that window is compared with the
 * noise around the line and with the series' level. Pure, unit-tested.
 */
export interface Trend {
  readonly mean: number;
  /** Units per hour. */
  readonly slopePerHour: number;
  /** Slope times the analysed window: how much the line rose over it. */
  readonly change: number;
  /** Standard deviation of the samples around the line. */
  readonly noise: number;
  /** The largest change still called flat. */
  readonly bound: number;
  readonly verdict: 'flat within noise' | 'growing' | 'shrinking';
}

/** Flat when the line's change over the window is within 3 residual σ, 5 % of the mean, or the floor. */
export const NOISE_SIGMAS = 3;
export const LEVEL_FRACTION = 0.05;

export function trend(
  points: readonly { readonly tMs: number; readonly v: number }[],
  analysedFraction = 2 / 3,
  floor = 1,
): Trend {
  const from = points.length - Math.max(2, Math.ceil(points.length * analysedFraction));
  const p = points.slice(Math.max(0, from)).filter((x) => Number.isFinite(x.v));
  const n = p.length;
  const mt = p.reduce((s, x) => s + x.tMs, 0) / n;
  const mv = p.reduce((s, x) => s + x.v, 0) / n;
  const sxx = p.reduce((s, x) => s + (x.tMs - mt) ** 2, 0);
  const sxy = p.reduce((s, x) => s + (x.tMs - mt) * (x.v - mv), 0);
  const slope = n < 2 || sxx === 0 ? 0 : sxy / sxx;
  const resid = p.map((x) => x.v - (mv + slope * (x.tMs - mt)));
  const noise = n < 3 ? 0 : Math.sqrt(resid.reduce((s, r) => s + r * r, 0) / (n - 2));
  const window = n < 2 ? 0 : p[n - 1].tMs - p[0].tMs;
  const change = slope * window;
  const bound = Math.max(NOISE_SIGMAS * noise, LEVEL_FRACTION * Math.abs(mv), floor);
  return {
    mean: mv,
    slopePerHour: slope * 3_600_000,
    change,
    noise,
    bound,
    verdict: Math.abs(change) <= bound ? 'flat within noise' : change > 0 ? 'growing' : 'shrinking',
  };
}
