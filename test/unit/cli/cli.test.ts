import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from '../../../adapter/src/cli/args';
import { buildInfo } from '../../../adapter/src/cli/build-info';
import { adapterHelp } from '../../../adapter/src/cli/help';
import { settings } from '../../../adapter/src/config/settings';

describe('command line: --help, --version, and nothing else', () => {
  it('runs without arguments, prints on --help/-h and --version/-v, refuses anything else', () => {
    assert.deepEqual(parseArgs([]), { kind: 'run' });
    for (const a of ['--help', '-h']) assert.deepEqual(parseArgs([a]), { kind: 'help' });
    for (const a of ['--version', '-v']) assert.deepEqual(parseArgs([a]), { kind: 'version' });
    for (const wrong of [['--port', '1'], ['--help', '--version'], ['run']])
      assert.equal(parseArgs(wrong).kind, 'error', wrong.join(' '));
  });

  it('reads the version and commit the build wrote, and says unknown when it wrote none', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'build-info-'));
    const file = path.join(dir, 'build-info.json');
    assert.deepEqual(buildInfo(file), { version: 'unknown', commit: 'unknown', node: process.versions.node });
    writeFileSync(file, JSON.stringify({ version: '1.2.3', commit: 'abc1234' }));
    assert.deepEqual(buildInfo(file), { version: '1.2.3', commit: 'abc1234', node: process.versions.node });
    writeFileSync(file, '{"version": 7');
    assert.equal(buildInfo(file).version, 'unknown', 'a torn file is not trusted');
  });

  it('lists every setting in --help', () => {
    const help = adapterHelp({ version: '1.2.3', commit: 'abc1234', node: '24' });
    assert.match(help, /^mqtt-adapter 1\.2\.3 \(commit abc1234, Node\.js 24\)\n/);
    for (const s of Object.values(settings)) assert.ok(help.includes(`  ${s.env}  (default `), s.env);
  });
});
