import { strict as assert } from 'node:assert';
import { settings } from '../../../adapter/src/config/settings';
import { adapterEnv } from '../../../operator/src/builders/adapter-env';
import { mountList, secretMounts } from '../../../operator/src/builders/secret-mounts';
import type { SchemaProps } from '../../../operator/src/codegen/schema';
import { everyVariableListeners, listenerSchema } from './listener-fixture';

type Rule = { rule: string; message: string };
const rulesOf = (s: SchemaProps | undefined): Rule[] =>
  (s as { 'x-kubernetes-validations'?: Rule[] } | undefined)?.['x-kubernetes-validations'] ?? [];

const podSchema = (): SchemaProps => listenerSchema().properties!.spec.properties!.override.properties!.pod;

describe('operator: spec.override schema against what the operator writes', () => {
  it('refuses exactly the env names the operator sets, and their _FILE forms', () => {
    const rule = rulesOf(podSchema().properties!.env.items).find((r) => r.rule.includes('MQTT_ADAPTER_'))!;
    const reserved = new RegExp(/'(\^MQTT_ADAPTER_[^']+)'/.exec(rule.rule)![1]);
    const envNames = new Set(Object.values(settings).map((s) => s.env));
    const written = new Set(
      everyVariableListeners()
        .flatMap((l) => adapterEnv(l.spec, secretMounts(l.spec)))
        .map((e) => (envNames.has(e.name) ? e.name : e.name.replace(/_FILE$/, ''))),
    );
    for (const name of written) assert.ok(envNames.has(name), `${name} is not an adapter setting`);
    for (const env of envNames) {
      const owned = written.has(env);
      // On a mismatch, edit the regex of spec.override.pod.env in crds/ (and copy it to the chart).
      assert.equal(reserved.test(env), owned, `${env}: reserved by the CRD should be ${owned}`);
      assert.equal(
        reserved.test(`${env}_FILE`),
        owned,
        `${env}_FILE: reserved by the CRD should be ${owned}`,
      );
    }
  });

  it("refuses exactly the operator's volume names", () => {
    const rule = rulesOf(podSchema().properties!.volumes.items).find((r) => r.rule.includes(' in '))!;
    const listed = [...rule.rule.matchAll(/'([a-z-]+)'/g)].map((m) => m[1]).sort();
    const own = [
      'tmp',
      ...everyVariableListeners().flatMap((l) => mountList(secretMounts(l.spec)).map((m) => m.volume)),
    ];
    assert.deepEqual(listed, [...new Set(own)].sort());
  });
});
