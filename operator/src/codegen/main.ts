// Regenerates operator/src/api/types.generated.ts from the CRD:
//   npm run build && node build/operator/src/codegen/main.js
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCrdTypes } from './crd-types';
import { formatTs } from './format';
import { loadCrd, repoRoot, TYPES_PATH } from './load-crd';

async function main(): Promise<void> {
  const out = join(repoRoot(), TYPES_PATH);
  writeFileSync(out, await formatTs(renderCrdTypes(loadCrd(), 'v1alpha1')));
  console.log(`wrote ${out}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
