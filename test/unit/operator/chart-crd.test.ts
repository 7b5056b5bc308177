import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CRD_PATH, repoRoot } from '../../../operator/src/codegen/load-crd';

describe('operator: Helm chart', () => {
  it('ships the CRD of crds/ unchanged (fix: cp crds/*.yaml charts/mqtt-adapter/crds/)', () => {
    const source = readFileSync(join(repoRoot(), CRD_PATH), 'utf8');
    const copy = readFileSync(join(repoRoot(), 'charts/mqtt-adapter', CRD_PATH), 'utf8');
    assert.equal(copy, source);
  });

  it('uses the image name mqtt-adapter', () => {
    const values = readFileSync(join(repoRoot(), 'charts/mqtt-adapter/values.yaml'), 'utf8');
    assert.match(values, /^ {2}repository: mqtt-adapter$/m);
  });
});
