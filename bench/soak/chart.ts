import { num } from '../report/format';

/** Line charts over time as SVG: one panel per quantity group, each with its own scale. */

export interface Series {
  readonly label: string;
  readonly color: string;
  /** [minutes, value] */
  readonly points: readonly (readonly [number, number])[];
}

export interface LinePanel {
  readonly title: string;
  readonly series: readonly Series[];
}

const W = 1000;
const PANEL_H = 230;
const LEFT = 80;
const RIGHT = 20;
const TOP = 42;
const BOTTOM = 34;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function panel(p: LinePanel, y0: number, maxT: number, warmupT: number): string {
  const plotH = PANEL_H - TOP - BOTTOM;
  const plotW = W - LEFT - RIGHT;
  const values = p.series.flatMap((s) => s.points.map(([, v]) => v)).filter(Number.isFinite);
  const top = Math.max(1, ...values) * 1.1;
  const base = y0 + TOP + plotH;
  const x = (t: number): number => LEFT + (plotW * t) / Math.max(maxT, 1e-9);
  const y = (v: number): number => base - (plotH * v) / top;
  const parts = [`<text x="${LEFT}" y="${y0 + 18}" font-size="14" font-weight="bold">${esc(p.title)}</text>`];
  p.series.forEach((s, i) => {
    const lx = LEFT + 10 + i * 190;
    parts.push(
      `<rect x="${lx}" y="${y0 + 24}" width="14" height="4" fill="${s.color}"/>` +
        `<text x="${lx + 18}" y="${y0 + 30}" font-size="11">${esc(s.label)}</text>`,
    );
  });
  for (let k = 0; k <= 4; k++) {
    const v = (top / 4) * k;
    parts.push(`<line x1="${LEFT}" y1="${y(v)}" x2="${W - RIGHT}" y2="${y(v)}" stroke="#e3e3e3"/>`);
    parts.push(
      `<text x="${LEFT - 6}" y="${y(v) + 4}" font-size="10" text-anchor="end">${esc(num(v))}</text>`,
    );
  }
  const step = maxT > 20 ? 5 : maxT > 4 ? 1 : 0.25;
  for (let t = 0; t <= maxT + 1e-9; t += step) {
    parts.push(
      `<text x="${x(t)}" y="${base + 14}" font-size="10" text-anchor="middle">${num(t, step < 1 ? 2 : 0)}</text>`,
    );
  }
  parts.push(`<text x="${W - RIGHT}" y="${base + 28}" font-size="10" text-anchor="end">minutes</text>`);
  parts.push(
    `<rect x="${LEFT}" y="${base - plotH}" width="${x(warmupT) - LEFT}" height="${plotH}" fill="#f4f4f4"/>`,
  );
  parts.push(`<line x1="${LEFT}" y1="${base}" x2="${W - RIGHT}" y2="${base}" stroke="#333"/>`);
  for (const s of p.series) {
    const pts = s.points
      .filter(([, v]) => Number.isFinite(v))
      .map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`);
    if (pts.length > 0)
      parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.6" points="${pts.join(' ')}"/>`);
  }
  return parts.join('\n');
}

/** The panels stacked; the grey band marks the warm-up left out of the slopes. */
export function lineChartSvg(title: string, panels: readonly LinePanel[], warmupMinutes: number): string {
  const maxT = Math.max(0, ...panels.flatMap((p) => p.series.flatMap((s) => s.points.map(([t]) => t))));
  const h = 36 + panels.length * PANEL_H;
  const body = panels.map((p, i) => panel(p, 36 + i * PANEL_H, maxT, warmupMinutes)).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" font-family="DejaVu Sans, sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${LEFT}" y="24" font-size="16" font-weight="bold">${esc(title)}</text>
${body}
</svg>`;
}
