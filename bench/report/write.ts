import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { RunResults } from '../run/results';
import { chartSvg } from './chart';
import { markdown } from './markdown';
import { scenarioPanels } from './panels';
import { svgToPng } from './png';

/** Writes <name>.json, <name>.md and one <name>-<scenario>.png per scenario measured; returns the paths. */
export async function writeReport(r: RunResults, dir: string, name?: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const base = name ?? r.started.slice(0, 10);
  const written: string[] = [];
  const charts: Record<string, string> = {};
  for (const [key, { title, panels }] of Object.entries(scenarioPanels(r))) {
    if (panels.length === 0 || panels.every((p) => p.groups.length === 0)) continue;
    const file = `${base}-${key}.png`;
    try {
      await writeFile(path.join(dir, file), svgToPng(chartSvg(title, panels, r.systems)));
      charts[key] = file;
      written.push(path.join(dir, file));
    } catch (err) {
      r.notes.push(`chart ${key} not drawn: ${(err as Error).message}`);
    }
  }
  const json = path.join(dir, `${base}.json`);
  await writeFile(json, JSON.stringify(r, null, 1));
  const md = path.join(dir, `${base}.md`);
  await writeFile(md, markdown(r, charts));
  written.push(json, md);
  return written;
}
