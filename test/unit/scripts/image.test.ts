import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../../operator/src/codegen/load-crd';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const BASH = ['/bin/bash', '/usr/bin/bash'].find((p) => existsSync(p)) ?? 'bash';
const MAKE = ['/usr/bin/make', '/usr/local/bin/make'].find((p) => existsSync(p));

function run(cmd: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/**
 * scripts/image.sh (behind `make image`) on a PATH of our making: a folder
 * holding only bash and whichever fake tools a case puts there, each fake
 * recording its arguments. No real docker, podman or buildah is ever run.
 */
describe('make image: scripts/image.sh', () => {
  const root = repoRoot();
  const script = join(root, 'scripts/image.sh');
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string })
    .version;
  let bin: string;

  beforeEach(() => {
    bin = mkdtempSync(join(tmpdir(), 'mqtt-adapter-image-'));
    symlinkSync(BASH, join(bin, 'bash'));
  });
  afterEach(() => rmSync(bin, { recursive: true, force: true }));

  /** A fake tool: `info` answers with `infoCode`; anything else is recorded in <name>.args. */
  const fake = (name: string, infoCode = 0): void => {
    const file = join(bin, name);
    writeFileSync(
      file,
      `#!${BASH}\nif [[ $1 == info ]]; then exit ${infoCode}; fi\nprintf '%s\\n' "$@" > '${file}.args'\n`,
    );
    chmodSync(file, 0o755);
  };
  const argsOf = (name: string): string[] =>
    readFileSync(join(bin, `${name}.args`), 'utf8')
      .trimEnd()
      .split('\n');
  const image = (args: string[], env: Record<string, string> = {}): Promise<Run> =>
    run(BASH, [script, ...args], { PATH: bin, ...env });

  it('says which tools it looked for, and fails, when none of docker, podman and buildah is on PATH', async () => {
    const r = await image(['build']);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /no container build tool found: install docker \(with a running daemon\), podman or buildah/,
    );
    assert.match(r.stderr, /Looked for: docker podman buildah\./);
  });

  it('says so through `make image` too', async function () {
    if (!MAKE) this.skip();
    const r = await run(MAKE, ['-s', '-C', root, 'image'], { PATH: bin });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /no container build tool found/);
  });

  it('skips a docker whose daemon does not answer, saying why, and builds with podman', async () => {
    fake('docker', 1);
    fake('podman');
    const r = await image(['build'], { IMAGE_REGISTRY: 'ghcr.io', IMAGE_REPOSITORY: 'acme/mqtt-adapter' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /docker is installed but its daemon does not answer/);
    assert.deepEqual(argsOf('podman'), [
      'build',
      '-f',
      join(root, 'Dockerfile'),
      '-t',
      `ghcr.io/acme/mqtt-adapter:${version}`,
      '--build-arg',
      'MQTT_ADAPTER_COMMIT=unknown',
      root,
    ]);
    assert.ok(!existsSync(join(bin, 'docker.args')), 'docker was not used');
  });

  it('builds with a working docker first, and with buildah bud when it is the only tool', async () => {
    fake('docker');
    fake('buildah');
    assert.equal((await image(['build'], { IMAGE_TAG: 'dev' })).code, 0);
    assert.deepEqual(argsOf('docker').slice(0, 5), [
      'build',
      '-f',
      join(root, 'Dockerfile'),
      '-t',
      'mqtt-adapter:dev',
    ]);
    rmSync(join(bin, 'docker'));
    assert.equal((await image(['build'])).code, 0);
    assert.equal(argsOf('buildah')[0], 'bud');
  });

  it('pushes the same name through `make image-push`, and refuses an unknown action', async function () {
    if (!MAKE) this.skip();
    fake('podman');
    const r = await run(MAKE, ['-s', '-C', root, 'image-push', 'IMAGE_REGISTRY=registry.local:5000/'], {
      PATH: bin,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(argsOf('podman'), ['push', `registry.local:5000/mqtt-adapter:${version}`]);
    const bad = await image(['deploy']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /usage: .*\[build\|push\]/);
  });
});
