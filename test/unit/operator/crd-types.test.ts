import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCrdTypes } from '../../../operator/src/codegen/crd-types';
import { formatTs } from '../../../operator/src/codegen/format';
import { loadCrd, repoRoot, TYPES_PATH } from '../../../operator/src/codegen/load-crd';

describe('operator: CRD-generated types', () => {
  it('types.generated.ts matches the CRD (regenerate: node build/operator/src/codegen/main.js)', async () => {
    const expected = await formatTs(renderCrdTypes(loadCrd(), 'v1alpha1'));
    const actual = readFileSync(join(repoRoot(), TYPES_PATH), 'utf8');
    assert.equal(actual, expected);
  });

  it('makes fields with a default required and others optional', () => {
    const out = renderCrdTypes(loadCrd(), 'v1alpha1');
    assert.match(out, /^ {2}replicas: number;$/m);
    assert.match(out, /^ {2}tls\?: MqttListenerSpecTls;$/m);
    assert.match(out, /^ {2}clientCertificate: 'none' \| 'optional' \| 'required';$/m);
    assert.match(out, /^ {2}maxUnavailable: number \| string;$/m);
  });

  it('refuses a version the CRD does not have', () => {
    assert.throws(() => renderCrdTypes(loadCrd(), 'v9'), /no version v9/);
  });
});
