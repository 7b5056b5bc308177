import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { V1Pod } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { REBALANCE_ANNOTATION } from '../../operator/src/api/names';
import type { MqttListener } from '../../operator/src/api/types.generated';
import { selectorString } from '../../operator/src/builders/labels';
import { resourcePath } from '../../operator/src/kube/paths';
import type { ControlPlane } from './harness/control-plane';
import { ChartOperator } from './harness/chart-operator';
import { createListener, listenerPath } from './harness/objects';
import type { OperatorProcess } from './harness/operator-process';
import { SETUP_TIMEOUT_MS, sharedControlPlane } from './harness/shared';
import { eventually } from './harness/wait';

interface Event {
  type: string;
  reason: string;
  message: string;
  involvedObject: { name: string };
}

/**
 * The annotation end to end, under the chart's RBAC: the Deployment controller
 * makes the listener's pod; with no kubelet, the test plays it, writing the
 * pod's status Ready at 127.0.0.1 and answering on the pod's metrics port
 * (the listener's spec.metrics.port) as the adapter does.
 */
describe('e2e: the mqtt.adapter.dev/rebalance annotation', function () {
  let cp: ControlPlane;
  let ns: string;
  let op: OperatorProcess | undefined;
  let chart: ChartOperator | undefined;
  let adapter: Server | undefined;
  const posts: string[] = [];
  const name = 'asked';

  before(async function () {
    this.timeout(SETUP_TIMEOUT_MS);
    adapter = createServer((req, res) => {
      posts.push(`${req.method} ${req.url}`);
      res.writeHead(202, { 'content-type': 'application/json' }).end(`{"request":"r${posts.length}"}\n`);
    });
    await new Promise<void>((resolve) => adapter!.listen(0, '127.0.0.1', resolve));
    cp = await sharedControlPlane();
    // As the chart's ServiceAccount: a pods rule the chart forgot fails this suite.
    chart = await ChartOperator.start(cp, 'e2e-rebal-annot', 'op-rebal-annot');
    ({ ns, op } = chart);
  });

  after(async function () {
    this.timeout(60_000);
    await chart?.stop();
    adapter?.closeAllConnections();
    await new Promise((r) => (adapter ? adapter.close(r) : r(undefined)));
  });

  const listener = () => cp.admin.get<MqttListener>(listenerPath(ns, name));
  const annotate = (annotations: Record<string, string>) =>
    cp.admin.mergePatch(listenerPath(ns, name), { metadata: { annotations } });
  const events = async (reason: string): Promise<Event[]> => {
    const list = await cp.admin.get<{ items: Event[] }>(resourcePath('v1', 'events', ns));
    return list.items.filter((e) => e.reason === reason && e.involvedObject.name === name);
  };
  const setReady = (pod: string, ready: boolean) =>
    cp.admin.mergePatch(`${resourcePath('v1', 'pods', ns, pod)}/status`, {
      status: {
        phase: 'Running',
        podIP: '127.0.0.1',
        podIPs: [{ ip: '127.0.0.1' }],
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      },
    });
  const lastToken = (want: string) =>
    eventually(`status.rebalance.lastToken ${want}`, async () => {
      const r = (await listener()).status?.rebalance;
      return r?.lastToken === want ? r : undefined;
    });

  it('asks one ready pod once per new token, and reports a token no pod could take', async function () {
    this.timeout(180_000);
    const { port } = adapter!.address() as AddressInfo;
    await createListener(cp.admin, ns, name, {
      rabbitmq: { secretName: 'rabbit' },
      redis: { secretName: 'redis' },
      metrics: { port },
    });
    const pod = await eventually(
      'the Deployment controller to make the pod',
      async () => {
        const list = await cp.admin.get<{ items: V1Pod[] }>(resourcePath('v1', 'pods', ns), {
          labelSelector: selectorString(name),
        });
        return list.items[0]?.metadata?.name;
      },
      60_000,
    );
    await setReady(pod, true);

    await annotate({ [REBALANCE_ANNOTATION]: 'one' });
    const first = await lastToken('one');
    assert.equal(first.pod, pod);
    assert.equal(first.request, 'r1');
    assert.ok(!Number.isNaN(Date.parse(first.requestedAt)));
    assert.deepEqual(posts, ['POST /rebalance']);
    assert.equal((await events('RebalanceRequested')).length, 1);

    // The same token, with the listener changed otherwise: reconciled, not asked again.
    const reconciles = 'mqtt_adapter_operator_reconciles_total{result="success"}';
    const before = await op!.metric(reconciles);
    await annotate({ [REBALANCE_ANNOTATION]: 'one', 'example.com/touched': 'yes' });
    await eventually(
      'a reconcile of the touched listener',
      async () => (await op!.metric(reconciles)) > before,
    );
    assert.equal(posts.length, 1, 'no second POST for the same token');

    await annotate({ [REBALANCE_ANNOTATION]: 'two' });
    assert.equal((await lastToken('two')).request, 'r2');
    assert.equal(posts.length, 2);

    // No ready pod: a Warning, the token not recorded, and the request made once a pod is ready.
    await setReady(pod, false);
    await annotate({ [REBALANCE_ANNOTATION]: 'three' });
    const warning = await eventually(
      'a RebalanceFailed Event',
      async () => (await events('RebalanceFailed'))[0],
    );
    assert.equal(warning.type, 'Warning');
    assert.match(warning.message, /token three: no ready pod/);
    assert.equal((await listener()).status?.rebalance?.lastToken, 'two');
    assert.equal(posts.length, 2);
    await setReady(pod, true);
    assert.equal((await lastToken('three')).request, 'r3');
    assert.equal(posts.length, 3);
  });
});
