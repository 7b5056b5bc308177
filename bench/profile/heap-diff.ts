import { readFileSync } from 'node:fs';

/** The parts of a V8 `.heapsnapshot` read here. */
interface Snapshot {
  readonly snapshot: { readonly meta: { readonly node_fields: string[]; readonly node_types: [string[]] } };
  readonly nodes: number[];
  readonly strings: string[];
}

interface Group {
  count: number;
  bytes: number;
}

/**
 * Objects by kind: an object's constructor, a closure's function name, and
 * strings, code and V8's own structures each as one group; a name that says
 * nothing more (a string's text, a number) is not kept apart.
 */
function groups(file: string): Map<string, Group> {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = s.snapshot.meta.node_types[0];
  const out = new Map<string, Group>();
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + typeAt]];
    const name = s.strings[s.nodes[i + nameAt]];
    const key =
      type === 'object' || type === 'closure' || type === 'native' || type === 'hidden'
        ? `${type} ${name.slice(0, 60)}`
        : type === 'array'
          ? `array ${name.slice(0, 40)}`
          : `(${type})`;
    const g = out.get(key) ?? { count: 0, bytes: 0 };
    g.count++;
    g.bytes += s.nodes[i + sizeAt];
    out.set(key, g);
  }
  return out;
}

/** The `top` kinds of object that grew most from snapshot `a` to `b`, per one of the `added` connections. */
export function summariseDiff(a: string, b: string, added: number, top: number): string {
  const before = groups(a);
  const after = groups(b);
  const rows: { key: string; count: number; bytes: number }[] = [];
  let total = 0;
  for (const [key, g] of after) {
    const was = before.get(key) ?? { count: 0, bytes: 0 };
    const bytes = g.bytes - was.bytes;
    total += bytes;
    rows.push({ key, count: g.count - was.count, bytes });
  }
  for (const [key, g] of before) if (!after.has(key)) total -= g.bytes;
  rows.sort((x, y) => y.bytes - x.bytes);
  const lines = [`heap snapshot growth per added connection: ${(total / added).toFixed(0)} bytes`];
  lines.push('bytes/conn  objects/conn  kind');
  for (const r of rows.slice(0, top))
    lines.push(
      `${(r.bytes / added).toFixed(0).padStart(10)}  ${(r.count / added).toFixed(2).padStart(12)}  ${r.key}`,
    );
  return `${lines.join('\n')}\n`;
}
