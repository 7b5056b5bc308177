import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../../operator/src/codegen/load-crd';

/** The paragraph of docs/operator.md whose YAML block is the prometheus-adapter rule. */
export const RULE_MARKER = '**Serving `mqtt_adapter_connections`.**';

/** The first ```yaml block after `marker` in `markdown`, as written; throws when there is none. */
export function yamlBlockAfter(markdown: string, marker: string): string {
  const at = markdown.indexOf(marker);
  if (at < 0) throw new Error(`no ${marker} in the document`);
  const m = /^```yaml\n([\s\S]*?)^```$/m.exec(markdown.slice(at));
  if (!m?.[1]) throw new Error(`no yaml block after ${marker}`);
  return m[1];
}

/** The prometheus-adapter `rules:` config docs/operator.md gives, so the test runs what users copy. */
export function documentedAdapterRule(): string {
  return yamlBlockAfter(readFileSync(join(repoRoot(), 'docs/operator.md'), 'utf8'), RULE_MARKER);
}
