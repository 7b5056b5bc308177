import type { SystemName } from '../systems/types';
import { LABEL, num } from './format';

/** Grouped bar charts as SVG: one panel per metric, one group per variant, one bar per system. */

export interface Panel {
  readonly title: string;
  readonly groups: readonly {
    readonly label: string;
    readonly values: Partial<Record<SystemName, number>>;
  }[];
}

const COLORS: Record<SystemName, string> = {
  adapter: '#d62728',
  'rabbitmq-mqtt': '#ff7f0e',
  mosquitto: '#1f77b4',
  aedes: '#2ca02c',
  'amqp-ceiling': '#7f7f7f',
};

const W = 900;
const PANEL_H = 260;
const LEFT = 70;
const TOP = 30;
const BOTTOM = 40;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function panel(p: Panel, systems: readonly SystemName[], y0: number): string {
  const plotH = PANEL_H - TOP - BOTTOM;
  const values = p.groups.flatMap((g) => systems.map((s) => g.values[s] ?? 0)).filter(Number.isFinite);
  const top = Math.max(1, ...values) * 1.1;
  const groupW = (W - LEFT - 20) / Math.max(1, p.groups.length);
  const barW = Math.min(40, (groupW - 20) / systems.length);
  const parts = [`<text x="${LEFT}" y="${y0 + 18}" font-size="14" font-weight="bold">${esc(p.title)}</text>`];
  const base = y0 + TOP + plotH;
  parts.push(`<line x1="${LEFT}" y1="${base}" x2="${W - 20}" y2="${base}" stroke="#333"/>`);
  for (let t = 0; t <= 4; t++) {
    const v = (top / 4) * t;
    const y = base - (plotH * t) / 4;
    parts.push(`<line x1="${LEFT}" y1="${y}" x2="${W - 20}" y2="${y}" stroke="#ddd"/>`);
    parts.push(`<text x="${LEFT - 6}" y="${y + 4}" font-size="10" text-anchor="end">${esc(num(v))}</text>`);
  }
  p.groups.forEach((g, gi) => {
    const gx = LEFT + gi * groupW + 10;
    systems.forEach((s, si) => {
      const v = g.values[s];
      if (v === undefined || !Number.isFinite(v)) return;
      const h = (plotH * v) / top;
      const x = gx + si * barW;
      parts.push(`<rect x="${x}" y="${base - h}" width="${barW - 2}" height="${h}" fill="${COLORS[s]}"/>`);
    });
    parts.push(
      `<text x="${gx + (systems.length * barW) / 2}" y="${base + 16}" font-size="11" text-anchor="middle">${esc(g.label)}</text>`,
    );
  });
  return parts.join('\n');
}

export function chartSvg(title: string, panels: readonly Panel[], systems: readonly SystemName[]): string {
  const legendH = 30;
  const h = TOP + legendH + panels.length * PANEL_H;
  const legend = systems
    .map((s, i) => {
      const x = LEFT + i * 175;
      return `<rect x="${x}" y="${TOP + 4}" width="12" height="12" fill="${COLORS[s]}"/><text x="${x + 16}" y="${TOP + 15}" font-size="12">${esc(LABEL[s])}</text>`;
    })
    .join('\n');
  const body = panels.map((p, i) => panel(p, systems, TOP + legendH + i * PANEL_H)).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" font-family="DejaVu Sans, sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${LEFT}" y="20" font-size="16" font-weight="bold">${esc(title)}</text>
${legend}
${body}
</svg>`;
}
