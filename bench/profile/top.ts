import { readFileSync } from 'node:fs';

/**
 * `node build/bench/profile/top.js FILE.cpuprofile [N]`: the N functions with
 * the most self time in a V8 CPU profile (from `node --cpu-prof`), and the
 * share of total samples each takes, grouped by function and file.
 */
interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
  readonly hitCount?: number;
}

interface CpuProfile {
  readonly nodes: ProfileNode[];
  readonly samples: number[];
}

function shortUrl(url: string): string {
  const i = url.indexOf('/node_modules/');
  if (i >= 0) return url.slice(i + 14);
  const b = url.indexOf('/build/');
  return b >= 0 ? url.slice(b + 7) : url.replace(/^file:\/\//, '');
}

function main(): void {
  const [file, count] = process.argv.slice(2);
  if (!file) throw new Error('usage: top.js FILE.cpuprofile [N]');
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const hits = new Map<number, number>();
  for (const s of p.samples) hits.set(s, (hits.get(s) ?? 0) + 1);
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const n of p.nodes) {
    const h = hits.get(n.id) ?? 0;
    if (!h || n.callFrame.functionName === '(idle)') continue;
    const f = n.callFrame;
    const where = shortUrl(f.url) || '(native)';
    const key = `${f.functionName || '(anonymous)'}  ${where}:${f.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + h);
    const pkg = where
      .split('/')
      .slice(0, where.startsWith('@') ? 2 : 1)
      .join('/');
    byFile.set(pkg, (byFile.get(pkg) ?? 0) + h);
  }
  const idle = p.nodes
    .filter((n) => n.callFrame.functionName === '(idle)')
    .reduce((a, n) => a + (hits.get(n.id) ?? 0), 0);
  const total = p.samples.length - idle;
  const print = (title: string, m: Map<string, number>, n: number): void => {
    process.stdout.write(`${title}\n`);
    for (const [k, h] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) {
      process.stdout.write(`${((100 * h) / total).toFixed(1).padStart(6)}%  ${k}\n`);
    }
  };
  print(`self time, ${total} busy samples of ${p.samples.length}`, byFunction, Number(count ?? 30));
  print('\nby package or directory', byFile, 15);
}

main();
