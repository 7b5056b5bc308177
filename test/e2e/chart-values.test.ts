import { strict as assert } from 'node:assert';
import { resolveImage } from '../../operator/src/builders/image';
import { CHART, type Doc, Helm } from './harness/helm';
import { SETUP_TIMEOUT_MS } from './harness/shared';

interface Container {
  image: string;
  env: { name: string; value?: string }[];
}
type PodSpec = { containers: Container[]; securityContext?: Record<string, unknown> };

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const DIGEST2 = `sha256:${'cd'.repeat(32)}`;

/** `helm template` only: what the chart's values render to, no API server needed. */
describe('e2e: chart values', function () {
  let h: Helm;

  before(async function () {
    this.timeout(SETUP_TIMEOUT_MS);
    h = await Helm.create();
  });
  after(() => h?.dispose());

  const operatorPod = (docs: Doc[]): PodSpec =>
    (docs.find((d) => d.kind === 'Deployment')!.spec as { template: { spec: PodSpec } }).template.spec;
  const envOf = (c: Container, name: string): string | undefined => c.env.find((e) => e.name === name)?.value;

  it('names the operator image by registry, repository, tag and digest', async () => {
    const pod = (...set: string[]) => h.template('ns', ...set).then((d) => operatorPod(d).containers[0]);
    assert.equal((await pod()).image, 'mqtt-adapter:0.1.0');
    assert.equal(
      (await pod('image.registry=ghcr.io', 'image.repository=acme/mqtt-adapter', 'image.tag=1.2')).image,
      'ghcr.io/acme/mqtt-adapter:1.2',
    );
    assert.equal((await pod(`image.digest=${DIGEST}`)).image, `mqtt-adapter:0.1.0@${DIGEST}`);
  });

  it("gives the operator the adapter image by the operator's own rule for spec.image", async function () {
    this.timeout(60_000);
    const cases: Record<string, string>[] = [
      {},
      { 'image.registry': 'ghcr.io', 'image.digest': DIGEST },
      { 'image.registry': 'ghcr.io', 'image.digest': DIGEST, 'operator.adapterImage.tag': 'v9' },
      { 'image.digest': DIGEST, 'operator.adapterImage.digest': DIGEST2 },
      { 'image.tag': '1.0', 'operator.adapterImage.tag': '2.0', 'operator.adapterImage.digest': DIGEST2 },
      { 'operator.adapterImage.registry': 'mirror.local:5000', 'operator.adapterImage.repository': 'a/b' },
    ];
    for (const values of cases) {
      const docs = await h.template('ns', ...Object.entries(values).map(([k, v]) => `${k}=${v}`));
      const c = operatorPod(docs).containers[0];
      const part = (p: string) => values[`operator.adapterImage.${p}`];
      const spec = Object.fromEntries(
        ['registry', 'repository', 'tag', 'digest'].filter((p) => part(p)).map((p) => [p, part(p)]),
      );
      assert.equal(
        envOf(c, 'MQTT_ADAPTER_OPERATOR_ADAPTER_IMAGE'),
        resolveImage(spec, c.image),
        JSON.stringify(values),
      );
    }
  });

  it('fixes uid 65532 by default; podSecurityContext {} leaves it to the platform, for the adapter pods too', async () => {
    const restricted = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
    const byDefault = operatorPod(await h.template('ns'));
    assert.deepEqual(byDefault.securityContext, { ...restricted, runAsUser: 65532, runAsGroup: 65532 });
    assert.equal(
      envOf(byDefault.containers[0], 'MQTT_ADAPTER_OPERATOR_ADAPTER_POD_SECURITY_CONTEXT'),
      undefined,
    );
    // As a values file gives it: an empty map must not be filled in from a default map.
    const openshift = operatorPod(
      await h.render('ns', ['--values', h.valuesFile('podSecurityContext: {}\n')]),
    );
    assert.deepEqual(openshift.securityContext, restricted);
    assert.equal(envOf(openshift.containers[0], 'MQTT_ADAPTER_OPERATOR_ADAPTER_POD_SECURITY_CONTEXT'), '{}');
    const own = operatorPod(await h.render('ns', ['--set-json', 'podSecurityContext={"runAsUser":1001}']));
    assert.deepEqual(own.securityContext, { ...restricted, runAsUser: 1001 });
  });

  it('refuses image parts the operator could not put back together', async () => {
    for (const bad of [
      'image.registry=acme',
      'image.registry=https://ghcr.io',
      'image.repository=Acme',
      'image.digest=abc',
      'operator.adapterImage.tag=-x',
    ]) {
      const r = await h.run(['template', 'x', CHART, '--set', bad]);
      assert.notEqual(r.code, 0, bad);
      assert.match(r.stderr, /does not match pattern|pattern/, bad);
    }
  });
});
