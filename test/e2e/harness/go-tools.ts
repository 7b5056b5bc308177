import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../../operator/src/codegen/load-crd';

const dirs = new Map<string, Promise<string>>();

/**
 * Runs one of the Go tool build scripts (`scripts/prom-tools.sh`...) once per
 * run and resolves with the directory it links its binaries into: a cold
 * build takes minutes on 2 cores (see the script), a cached one only relinks.
 */
export function goToolsDir(script: string): Promise<string> {
  let dir = dirs.get(script);
  if (!dir) {
    dir = (async () => {
      const { stdout } = await promisify(execFile)('bash', [join(repoRoot(), 'scripts', script)], {
        maxBuffer: 16 * 1024 * 1024,
      });
      return stdout.trim().split('\n').pop() ?? '';
    })();
    dirs.set(script, dir);
  }
  return dir;
}
