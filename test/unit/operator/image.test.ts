import { strict as assert } from 'node:assert';
import {
  formatImageReference,
  parseImageReference,
  resolveImage,
} from '../../../operator/src/builders/image';
import { loadOperatorConfig } from '../../../operator/src/config';
import { listenerSchema } from './listener-fixture';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('operator: image references in parts', () => {
  it('parses registry, repository, tag and digest as docker reads them', () => {
    assert.deepEqual(parseImageReference('mqtt-adapter:0.1.0'), { repository: 'mqtt-adapter', tag: '0.1.0' });
    assert.deepEqual(parseImageReference('acme/mqtt-adapter'), { repository: 'acme/mqtt-adapter' });
    assert.deepEqual(parseImageReference(`registry.local:5000/acme/mqtt-adapter:1.2@${DIGEST}`), {
      registry: 'registry.local:5000',
      repository: 'acme/mqtt-adapter',
      tag: '1.2',
      digest: DIGEST,
    });
    assert.deepEqual(parseImageReference('localhost/mqtt-adapter'), {
      registry: 'localhost',
      repository: 'mqtt-adapter',
    });
    for (const ref of [
      `ghcr.io/acme/mqtt-adapter:1.2@${DIGEST}`,
      'mqtt-adapter',
      `mqtt-adapter@${DIGEST}`,
      'localhost:5000/a/b:c',
    ])
      assert.equal(formatImageReference(parseImageReference(ref)), ref);
  });

  it('refuses what is not a reference, naming the bad part', () => {
    assert.throws(() => parseImageReference('Mqtt-Adapter:1'), /"Mqtt-Adapter" is not a repository name/);
    assert.throws(() => parseImageReference('mqtt-adapter:1:2'), /"mqtt-adapter:1" is not a repository name/);
    assert.throws(() => parseImageReference('mqtt-adapter:-x'), /"-x" is not a tag/);
    assert.throws(() => parseImageReference('mqtt-adapter@md5:1'), /"md5:1" is not a digest/);
    assert.throws(() => parseImageReference(''), /not a repository name/);
  });

  it('takes each part spec.image sets and the operator default for the rest', () => {
    const def = 'ghcr.io/acme/mqtt-adapter:0.1.0';
    assert.equal(resolveImage(undefined, def), def);
    assert.equal(resolveImage({}, def), def);
    assert.equal(resolveImage({ tag: '0.2.0' }, def), 'ghcr.io/acme/mqtt-adapter:0.2.0');
    assert.equal(
      resolveImage({ registry: 'mirror.local:5000' }, def),
      'mirror.local:5000/acme/mqtt-adapter:0.1.0',
    );
    assert.equal(
      resolveImage({ registry: 'r.io', repository: 'me/adapter', tag: 'x' }, def),
      'r.io/me/adapter:x',
    );
    assert.equal(resolveImage({ digest: DIGEST }, def), `ghcr.io/acme/mqtt-adapter@${DIGEST}`);
    assert.equal(resolveImage({ tag: '1', digest: DIGEST }, def), `ghcr.io/acme/mqtt-adapter:1@${DIGEST}`);
  });

  it("keeps the default's digest only while the default image is the one run", () => {
    const pinned = `ghcr.io/acme/mqtt-adapter:0.1.0@${DIGEST}`;
    assert.equal(resolveImage({}, pinned), pinned);
    assert.equal(resolveImage({ tag: '0.2.0' }, pinned), 'ghcr.io/acme/mqtt-adapter:0.2.0');
    assert.equal(resolveImage({ registry: 'mirror.io' }, pinned), 'mirror.io/acme/mqtt-adapter:0.1.0');
  });

  it('accepts in the CRD exactly the parts the operator can put back together', () => {
    const image = listenerSchema().properties!.spec.properties!.image.properties!;
    const matches = (field: string, v: string): boolean => new RegExp(image[field].pattern!).test(v);
    for (const r of ['ghcr.io', 'registry.local:5000', 'localhost', 'registry:5000', 'a.b.c:443'])
      assert.ok(matches('registry', r), r);
    // Without a dot or a port, docker reads the first component as a Docker Hub namespace.
    for (const r of ['acme', 'ghcr.io/acme', 'https://ghcr.io', '']) assert.ok(!matches('registry', r), r);
    for (const r of ['mqtt-adapter', 'acme/mqtt-adapter', 'a/b/c_d', 'a__b'])
      assert.ok(matches('repository', r), r);
    for (const r of ['Acme', '/a', 'a/', 'a:b']) assert.ok(!matches('repository', r), r);
    assert.ok(matches('tag', '0.1.0-rc.1') && !matches('tag', '.x') && !matches('tag', 'a'.repeat(129)));
    assert.ok(matches('digest', DIGEST) && !matches('digest', 'sha256:abc'));
    const parts = { registry: 'registry:5000', repository: 'a/b', tag: 't', digest: DIGEST };
    assert.deepEqual(parseImageReference(formatImageReference(parts)), parts);
  });

  it('validates the operator default image at start, naming the variable', () => {
    assert.equal(
      loadOperatorConfig({ MQTT_ADAPTER_OPERATOR_ADAPTER_IMAGE: 'ghcr.io/acme/mqtt-adapter:1' }).adapterImage,
      'ghcr.io/acme/mqtt-adapter:1',
    );
    assert.throws(
      () => loadOperatorConfig({ MQTT_ADAPTER_OPERATOR_ADAPTER_IMAGE: 'Bad Image' }),
      /MQTT_ADAPTER_OPERATOR_ADAPTER_IMAGE: image "Bad Image"/,
    );
  });
});
