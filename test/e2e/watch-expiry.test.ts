import { strict as assert } from 'node:assert';
import { API_VERSION, PLURAL } from '../../operator/src/api/names';
import type { MqttListener } from '../../operator/src/api/types.generated';
import { KubeApiError } from '../../operator/src/kube/api-error';
import { ControlPlane } from './harness/control-plane';
import { createNamespace, putSecret } from './harness/namespace';
import { children, createListener, listenerPath } from './harness/objects';
import { OperatorProcess } from './harness/operator-process';
import { applyCrd, SETUP_TIMEOUT_MS } from './harness/shared';
import { eventually } from './harness/wait';

const LISTS = 'mqtt_adapter_operator_informer_lists_total{resource="mqttlisteners"}';

/**
 * A control plane of its own, with the API server's watch cache off, so
 * watches are served by etcd and compacting etcd makes any older
 * resourceVersion too old: the operator's next watch is answered 410 Gone.
 * client-node's watch ends a quiet watch after 30 s and starts it again from
 * its last resourceVersion, which is what meets the 410 here.
 */
describe('e2e: a watch answered 410 Gone relists', function () {
  let cp: ControlPlane;
  let op: OperatorProcess;
  let ns: string;

  before(async function () {
    this.timeout(SETUP_TIMEOUT_MS);
    cp = await ControlPlane.start([], ['--watch-cache=false']);
    await applyCrd(cp.admin);
    ns = await createNamespace(cp.admin, 'e2e-gone');
    await putSecret(cp.admin, ns, 'rabbit', { uri: 'amqp://rabbitmq.example:5672' });
    op = await OperatorProcess.start(cp, {
      identity: 'op-gone',
      leaseNamespace: ns,
      leaseDurationSeconds: 30,
    });
  });

  after(async function () {
    this.timeout(60_000);
    await op?.stop();
    await cp?.stop();
  });

  /** The code a watch from `resourceVersion` is refused with: as the response's status, or as an ERROR event. */
  const watchAnswer = (resourceVersion: string): Promise<number | undefined> =>
    cp.admin
      .get<{ object?: { code?: number } }>(`/apis/${API_VERSION}/namespaces/${ns}/${PLURAL}`, {
        watch: 'true',
        resourceVersion,
        timeoutSeconds: '5',
      })
      .then(
        (event) => event.object?.code,
        (err: unknown) => (err instanceof KubeApiError ? err.code : undefined),
      );

  const servicePort = async (): Promise<number | undefined> =>
    (await children(cp.admin, ns, 'gone')).service?.spec?.ports?.[0]?.port;

  it('lists again after its resourceVersion is compacted away, and keeps reconciling', async function () {
    this.timeout(150_000);
    await createListener(cp.admin, ns, 'gone', { rabbitmq: { secretName: 'rabbit' } });
    await eventually('the first Service', async () => (await servicePort()) === 1883);
    assert.equal(await op.metric(LISTS), 1, 'one list at start');

    const seen = (await cp.admin.get<MqttListener>(listenerPath(ns, 'gone'))).metadata?.resourceVersion ?? '';
    // A watch from resourceVersion r starts at revision r + 1: two writes after the listener's last event,
    // and compacting at the newest, put that revision out of reach.
    await putSecret(cp.admin, ns, 'bump', { x: 'y' });
    await putSecret(cp.admin, ns, 'bump', { x: 'z' });
    await cp.compactEtcd();
    assert.equal(await watchAnswer(seen), 410, 'a watch from before the compaction is answered 410 Gone');

    await eventually('a relist after 410 Gone', async () => (await op.metric(LISTS)) >= 2, 75_000, 500);

    await cp.admin.mergePatch(listenerPath(ns, 'gone'), { spec: { mqtt: { port: 1885 } } });
    await eventually('a reconcile after the relist', async () => (await servicePort()) === 1885, 30_000);
    assert.ok(op.proc.running, 'the operator exited');
  });
});
