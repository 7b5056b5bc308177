import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { load } from 'js-yaml';
import { isCrdDocument, type CrdDocument } from './schema';

/** Repository root: the nearest folder above this file with the CRDs, whether run from src or build. */
export function repoRoot(from = __dirname): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'crds'))) return dir;
  }
  throw new Error(`no repository root above ${from}`);
}

export const CRD_PATH = 'crds/mqttlisteners.mqtt.adapter.dev.yaml';
export const TYPES_PATH = 'operator/src/api/types.generated.ts';

export function loadCrd(path = join(repoRoot(), CRD_PATH)): CrdDocument {
  const doc = load(readFileSync(path, 'utf8'));
  if (!isCrdDocument(doc)) throw new Error(`${path} is not a CustomResourceDefinition`);
  return doc;
}
