import { strict as assert } from 'node:assert';
import { deployment } from '../../../operator/src/builders/deployment';
import { loadOperatorConfig } from '../../../operator/src/config';
import { inputs, listener } from './listener-fixture';

const podSecurity = (spec: Record<string, unknown>, operatorDefault?: Record<string, unknown>) =>
  deployment(listener(spec), { ...inputs, ...(operatorDefault && { podSecurityContext: operatorDefault }) })
    .spec!.template.spec!.securityContext;

const RESTRICTED = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };

describe('operator: pod security context (OpenShift and the restricted profile)', () => {
  it('runs as uid and gid 65532 when nobody asks otherwise', () => {
    assert.deepEqual(podSecurity({}), { ...RESTRICTED, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532 });
  });

  it('leaves the uid to the platform for spec.podSecurityContext {}, keeping the restricted pair', () => {
    assert.deepEqual(podSecurity({ podSecurityContext: {} }), RESTRICTED);
  });

  it("takes the operator's default for listeners that set none, the listener's own over it", () => {
    assert.deepEqual(podSecurity({}, {}), RESTRICTED);
    assert.deepEqual(podSecurity({ podSecurityContext: { runAsUser: 1001 } }, {}), {
      ...RESTRICTED,
      runAsUser: 1001,
    });
    const localhost = { type: 'Localhost', localhostProfile: 'mqtt.json' };
    assert.deepEqual(
      podSecurity({ podSecurityContext: { seccompProfile: localhost } })?.seccompProfile,
      localhost,
    );
  });

  it('reads the operator default from the environment as a JSON object, naming the variable when it is not one', () => {
    assert.deepEqual(
      loadOperatorConfig({ MQTT_ADAPTER_OPERATOR_ADAPTER_POD_SECURITY_CONTEXT: '{}' })
        .adapterPodSecurityContext,
      {},
    );
    assert.equal(loadOperatorConfig({}).adapterPodSecurityContext, undefined);
    for (const bad of ['[]', 'null', '{', 'runAsUser: 1'])
      assert.throws(
        () => loadOperatorConfig({ MQTT_ADAPTER_OPERATOR_ADAPTER_POD_SECURITY_CONTEXT: bad }),
        /MQTT_ADAPTER_OPERATOR_ADAPTER_POD_SECURITY_CONTEXT: not a JSON object/,
        bad,
      );
  });
});
