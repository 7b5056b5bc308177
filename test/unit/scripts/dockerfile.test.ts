import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../../operator/src/codegen/load-crd';

describe('Dockerfile: runs under any uid, as OpenShift assigns them', () => {
  const lines = readFileSync(join(repoRoot(), 'Dockerfile'), 'utf8').split('\n');
  const final = lines.slice(lines.map((l) => l.startsWith('FROM ')).lastIndexOf(true));

  it('runs as a non-root numeric uid in group 0, with HOME in the /tmp the pods mount', () => {
    const users = final.filter((l) => l.startsWith('USER '));
    assert.deepEqual(users, ['USER 1000:0']);
    assert.ok(final.includes('ENV HOME=/tmp'));
  });

  it('leaves the app files root-owned, so no uid the process runs as can change them', () => {
    assert.deepEqual(
      final.filter((l) => /--chown|chown |chmod /.test(l)),
      [],
    );
  });
});
