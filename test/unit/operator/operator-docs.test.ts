import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { adapterEnv } from '../../../operator/src/builders/adapter-env';
import { secretMounts } from '../../../operator/src/builders/secret-mounts';
import { repoRoot } from '../../../operator/src/codegen/load-crd';
import { loadCrd } from '../../../operator/src/codegen/load-crd';
import { everyVariableListeners } from './listener-fixture';

describe('operator: docs/operator.md', () => {
  const doc = readFileSync(join(repoRoot(), 'docs/operator.md'), 'utf8');

  it('names every adapter variable the operator can set', () => {
    for (const l of everyVariableListeners())
      for (const e of adapterEnv(l.spec, secretMounts(l.spec)))
        assert.ok(doc.includes(e.name), `${e.name} is not documented`);
  });

  it('describes every top-level spec field', () => {
    const spec = loadCrd().spec.versions[0].schema.openAPIV3Schema.properties!.spec;
    for (const field of Object.keys(spec.properties!))
      assert.ok(doc.includes(`\`${field}`), `spec.${field} is not documented`);
  });
});
