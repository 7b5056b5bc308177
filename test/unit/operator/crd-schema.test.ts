import { strict as assert } from 'node:assert';
import { loadCrd } from '../../../operator/src/codegen/load-crd';

describe('operator: CRD', () => {
  const crd = loadCrd() as unknown as {
    metadata: { name: string };
    spec: {
      group: string;
      names: { kind: string; plural: string; shortNames: string[] };
      versions: {
        name: string;
        subresources: { scale: Record<string, string> };
        additionalPrinterColumns: { name: string }[];
      }[];
    };
  };

  it('has the group, kind and names the chart and docs use', () => {
    assert.equal(crd.metadata.name, 'mqttlisteners.mqtt.adapter.dev');
    assert.equal(crd.spec.group, 'mqtt.adapter.dev');
    assert.equal(crd.spec.names.kind, 'MqttListener');
    assert.equal(crd.spec.names.plural, 'mqttlisteners');
    assert.deepEqual(crd.spec.names.shortNames, ['mql']);
  });

  it('serves v1alpha1 with the printer columns and a scale subresource that HPA can use', () => {
    const v = crd.spec.versions.find((x) => x.name === 'v1alpha1')!;
    assert.deepEqual(
      v.additionalPrinterColumns.map((c) => c.name),
      ['Ready', 'Replicas', 'Port', 'TLS', 'Age'],
    );
    assert.deepEqual(v.subresources.scale, {
      specReplicasPath: '.spec.replicas',
      statusReplicasPath: '.status.replicas',
      labelSelectorPath: '.status.selector',
    });
  });
});
