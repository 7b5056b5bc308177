import { join } from 'node:path';
import { repoRoot } from './load-crd';

/** Formats generated code with the repository's Prettier settings, so lint and the drift test agree. */
export async function formatTs(code: string): Promise<string> {
  const prettier = await import('prettier');
  const filepath = join(repoRoot(), 'operator/src/api/generated.ts');
  const options = (await prettier.resolveConfig(filepath)) ?? {};
  return prettier.format(code, { ...options, filepath });
}
