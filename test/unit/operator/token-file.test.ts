import { strict as assert } from 'node:assert';
import { mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeconfigTokenFile } from '../../../operator/src/kube/kube-config';
import { TokenFile } from '../../../operator/src/kube/token-file';

describe('operator: token file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'token-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the token once, trimmed, and again when the file is replaced', () => {
    const path = join(dir, 'token');
    writeFileSync(path, 'first\n');
    const t = new TokenFile(path);
    assert.equal(t.current(), 'first');
    writeFileSync(join(dir, 'next'), 'second\n');
    renameSync(join(dir, 'next'), path);
    assert.equal(t.current(), 'second');
  });

  it('misses a rewrite that keeps inode, size and mtime until invalidated', () => {
    const path = join(dir, 'token');
    const when = new Date('2026-01-01T00:00:00Z');
    writeFileSync(path, 'aaaa');
    utimesSync(path, when, when);
    const t = new TokenFile(path);
    assert.equal(t.current(), 'aaaa');
    writeFileSync(path, 'bbbb');
    utimesSync(path, when, when);
    assert.equal(t.current(), 'aaaa');
    t.invalidate();
    assert.equal(t.current(), 'bbbb');
  });

  it("finds a kubeconfig user's tokenFile (client-go) or token-file, relative to the kubeconfig", () => {
    const cfg = join(dir, 'config');
    writeFileSync(
      cfg,
      JSON.stringify({
        users: [
          { name: 'a', user: { tokenFile: 'tokens/a' } },
          { name: 'b', user: { 'token-file': '/abs/b' } },
          { name: 'c', user: { token: 'static' } },
        ],
      }),
    );
    assert.equal(kubeconfigTokenFile('a', [join(dir, 'missing'), cfg]), join(dir, 'tokens/a'));
    assert.equal(kubeconfigTokenFile('b', [cfg]), '/abs/b');
    assert.equal(kubeconfigTokenFile('c', [cfg]), undefined);
  });
});
