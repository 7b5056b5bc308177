// Writes build/build-info.json after the TypeScript build: the version from
// package.json and the commit, from MQTT_ADAPTER_COMMIT (an image build passes
// it, having no .git), else from git, else "unknown".
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
let commit = process.env.MQTT_ADAPTER_COMMIT || '';
if (!commit) {
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
  } catch {
    commit = 'unknown';
  }
}
mkdirSync(path.join(root, 'build'), { recursive: true });
writeFileSync(path.join(root, 'build', 'build-info.json'), `${JSON.stringify({ version, commit })}\n`);
