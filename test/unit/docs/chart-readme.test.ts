import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { repoRoot } from '../../../operator/src/codegen/load-crd';
import { valueComments, valueDocs, withValuesTable } from '../../../scripts/chart-docs/values-table';

interface Schema {
  properties?: Record<string, Schema>;
}

const chart = join(repoRoot(), 'charts/mqtt-adapter');
const read = (f: string): string => readFileSync(join(chart, f), 'utf8');

describe('charts/mqtt-adapter/README.md', () => {
  const values = read('values.yaml');

  it('holds the values table generated from values.yaml (run `npm run docs:chart`)', () => {
    const readme = read('README.md');
    assert.equal(readme, withValuesTable(readme, values));
  });

  it('documents every value the schema allows, down to the leaves it describes', () => {
    const documented = new Set(valueDocs(values).map((v) => v.key));
    const schema = JSON.parse(read('values.schema.json')) as Schema;
    const walk = (s: Schema, prefix: string): void => {
      for (const [k, sub] of Object.entries(s.properties ?? {})) {
        const key = prefix + k;
        if (key === 'global' || documented.has(key)) continue;
        assert.ok(sub.properties, `${key} is in values.schema.json but not documented in values.yaml`);
        walk(sub, `${key}.`);
      }
    };
    walk(schema, '');
  });

  it('reads `# --` comments by key path, continued by the `#` lines after them; other comments are notes', () => {
    const text = [
      '# A note for readers of the file.',
      'a:',
      '  # -- First line',
      '  # and second.',
      '  b: 1',
      '  # A plain note.',
      '  c:',
      '    # -- Deep.',
      '    d: [x]',
      '# -- Top.',
      '',
      'e: 2',
    ].join('\n');
    assert.deepEqual(
      [...valueComments(text)],
      [
        ['a.b', 'First line and second.'],
        ['a.c.d', 'Deep.'],
      ],
    );
    assert.throws(() => valueDocs(text), /values\.yaml: e has no "# --" comment/);
    assert.deepEqual(valueDocs(text.replace('# -- Top.\n\n', '# -- Top.\n')).at(-1), {
      key: 'e',
      default: 2,
      doc: 'Top.',
    });
  });
});

describe('charts/mqtt-adapter/Chart.yaml', () => {
  it('says where the project lives and who keeps it, with an icon', () => {
    const c = load(read('Chart.yaml')) as Record<string, unknown>;
    for (const k of ['home', 'icon']) assert.match(String(c[k]), /^https:\/\//, k);
    assert.ok(Array.isArray(c.sources) && c.sources.length > 0);
    const maintainers = c.maintainers as { name: string; email?: string }[];
    assert.ok(maintainers.length > 0 && maintainers.every((m) => m.name && m.email));
    assert.ok(String(c.icon).endsWith('docs/images/mqtt-adapter.svg'));
    readFileSync(join(repoRoot(), 'docs/images/mqtt-adapter.svg'));
  });
});
