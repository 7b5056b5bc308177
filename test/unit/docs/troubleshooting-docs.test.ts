import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Reason } from '../../../adapter/src/mqtt/reason-codes';
import { repoRoot } from '../../../operator/src/codegen/load-crd';

const root = repoRoot();
const sources = (dir: string): [string, string][] =>
  readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => [join(dir, f), readFileSync(join(root, dir, f), 'utf8')]);

describe('docs/troubleshooting.md', () => {
  const doc = readFileSync(join(root, 'docs/troubleshooting.md'), 'utf8');

  it('explains every reason code the adapter sends', () => {
    const codes = new Map<string, string>();
    for (const [file, text] of sources('adapter/src')) {
      if (file.endsWith('reason-codes.ts')) continue;
      for (const [, name] of text.matchAll(/\bReason\.(\w+)/g)) {
        const code = Reason[name as keyof typeof Reason];
        assert.ok(code !== undefined, `${file}: Reason.${name}`);
        codes.set(`0x${code.toString(16).padStart(2, '0').toUpperCase()}`, name);
      }
    }
    assert.ok(codes.size > 10);
    const missing = [...codes]
      .filter(([hex]) => !doc.includes(`\`${hex}\``))
      .map(([hex, n]) => `${hex} ${n}`);
    assert.deepEqual(missing, []);
  });

  it('explains every condition and Event reason the operator writes', () => {
    // `reason: 'A'` in objects, and `reason: 'A' | 'B'` in the types of problem lists.
    const reasons = new Set<string>();
    for (const [, text] of sources('operator/src'))
      for (const [, union] of text.matchAll(/\breason: ('\w+'(?: \| '\w+')*)/g))
        for (const [, r] of union.matchAll(/'(\w+)'/g)) reasons.add(r);
    assert.ok(reasons.has('InvalidSpec') && reasons.has('ApplyFailed') && reasons.has('AllReplicasReady'));
    for (const type of ['Ready', 'Progressing', 'Degraded']) reasons.add(type);
    const missing = [...reasons].filter((r) => !doc.includes(`\`${r}\``));
    assert.deepEqual(missing, []);
  });
});
