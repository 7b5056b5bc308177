import { strict as assert } from 'node:assert';
import type { V1EnvVar } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import type { RestClient } from '../../operator/src/kube/rest-client';
import type { ControlPlane } from './harness/control-plane';
import { createNamespace, deleteNamespace, putSecret } from './harness/namespace';
import { children, createListener, listenerPath } from './harness/objects';
import { OperatorProcess } from './harness/operator-process';
import { SETUP_TIMEOUT_MS, sharedControlPlane } from './harness/shared';
import { eventually } from './harness/wait';

const base = { rabbitmq: { secretName: 'rabbit' }, redis: { secretName: 'redis' } };

const envOf = (env: V1EnvVar[], name: string): string | undefined => env.find((e) => e.name === name)?.value;

describe('e2e: spec.rebalance and spec.serverReference reach the Deployment env', function () {
  let cp: ControlPlane;
  let rest: RestClient;
  let ns: string;
  let op: OperatorProcess;
  const name = 'balanced';

  before(async function () {
    this.timeout(SETUP_TIMEOUT_MS);
    cp = await sharedControlPlane();
    rest = cp.admin;
    ns = await createNamespace(rest, 'e2e-rebal');
    await putSecret(rest, ns, 'rabbit', { uri: 'amqp://rabbitmq.example:5672' });
    await putSecret(rest, ns, 'redis', { url: 'redis://redis.example:6379' });
    op = await OperatorProcess.start(cp, { identity: 'op-rebal', leaseNamespace: ns });
  });

  after(async function () {
    this.timeout(60_000);
    await op?.stop();
    if (rest && ns) await deleteNamespace(rest, ns);
  });

  it('sets the Deployment env from the spec, follows a change, and drops what the spec no longer sets', async () => {
    const env = async (want: (e: V1EnvVar[]) => boolean): Promise<V1EnvVar[]> =>
      eventually('the Deployment env', async () => {
        const e = (await children(rest, ns, name)).deployment?.spec?.template.spec?.containers[0]?.env;
        return e && want(e) ? e : undefined;
      });
    await createListener(rest, ns, name, {
      ...base,
      replicas: 3,
      serverReference: 'mqtt.example.com:8883',
      rebalance: {
        ratePerSecond: 200,
        tolerancePercent: 5,
        delaySeconds: 30,
        intervalSeconds: 2,
        maxRounds: 8,
      },
    });
    let e = await env((x) => x.some((v) => v.name === 'MQTT_ADAPTER_REBALANCE_RATE'));
    assert.deepEqual(
      [
        'MQTT_ADAPTER_SERVER_REFERENCE',
        'MQTT_ADAPTER_REBALANCE_RATE',
        'MQTT_ADAPTER_REBALANCE_TOLERANCE',
        'MQTT_ADAPTER_REBALANCE_DELAY_MS',
        'MQTT_ADAPTER_REBALANCE_INTERVAL_MS',
        'MQTT_ADAPTER_REBALANCE_MAX_ROUNDS',
        'MQTT_ADAPTER_REBALANCE',
      ].map((n) => envOf(e, n)),
      ['mqtt.example.com:8883', '200', '0.05', '30000', '2000', '8', undefined],
    );

    await rest.mergePatch(listenerPath(ns, name), {
      spec: {
        serverReference: null,
        rebalance: { enabled: false, ratePerSecond: 20, tolerancePercent: null },
      },
    });
    e = await env((x) => envOf(x, 'MQTT_ADAPTER_REBALANCE') === 'false');
    assert.equal(envOf(e, 'MQTT_ADAPTER_REBALANCE_RATE'), '20');
    assert.equal(envOf(e, 'MQTT_ADAPTER_SERVER_REFERENCE'), undefined, 'the Server Reference removed');
    assert.equal(
      envOf(e, 'MQTT_ADAPTER_REBALANCE_TOLERANCE'),
      undefined,
      'the tolerance back to the default',
    );
    assert.equal(envOf(e, 'MQTT_ADAPTER_REBALANCE_MAX_ROUNDS'), '8');
  });
});
