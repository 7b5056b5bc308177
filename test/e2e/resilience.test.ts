import { strict as assert } from 'node:assert';
import type { Informer, KubernetesListObject, ObjectCache } from '@kubernetes/client-node' with {
  'resolution-mode': 'import',
};
import { API_VERSION, PLURAL } from '../../operator/src/api/names';
import type { MqttListener } from '../../operator/src/api/types.generated';
import { clientNode } from '../../operator/src/kube/client-node';
import { loadKubeConfig } from '../../operator/src/kube/kube-config';
import { resourcePath } from '../../operator/src/kube/paths';
import type { RestClient } from '../../operator/src/kube/rest-client';
import type { ControlPlane } from './harness/control-plane';
import { createNamespace, deleteNamespace, putSecret } from './harness/namespace';
import { children, createListener, listenerPath } from './harness/objects';
import { OperatorProcess } from './harness/operator-process';
import { SETUP_TIMEOUT_MS, sharedControlPlane } from './harness/shared';
import { eventually } from './harness/wait';

const LISTS = 'mqtt_adapter_operator_informer_lists_total{resource="mqttlisteners"}';
const ERRORS = 'mqtt_adapter_operator_watch_errors_total{resource="mqttlisteners"}';

describe('e2e: the operator survives an API server restart', function () {
  let cp: ControlPlane;
  let rest: RestClient;
  let ns: string;
  let op: OperatorProcess;

  before(async function () {
    this.timeout(SETUP_TIMEOUT_MS);
    cp = await sharedControlPlane();
    rest = cp.admin;
    ns = await createNamespace(rest, 'e2e-restart');
    await putSecret(rest, ns, 'rabbit', { uri: 'amqp://rabbitmq.example:5672' });
    // A lease longer than the outage, so the restart is survived rather than handed over.
    op = await OperatorProcess.start(cp, {
      identity: 'op-restart',
      leaseNamespace: ns,
      leaseDurationSeconds: 60,
    });
  });

  after(async function () {
    this.timeout(60_000);
    await op?.stop();
    if (rest && ns) await deleteNamespace(rest, ns);
  });

  /**
   * client-node's informer on its own, as the operator's would be without
   * the restart it adds (operator/src/kube/informer.ts): the case that keeps it.
   */
  async function libraryInformer(): Promise<{
    informer: Informer<MqttListener> & ObjectCache<MqttListener>;
    errors: unknown[];
  }> {
    const k8s = await clientNode();
    const { kc } = await loadKubeConfig(cp.kubeconfig);
    const path = resourcePath(API_VERSION, PLURAL, ns);
    const informer = k8s.makeInformer<MqttListener>(kc, path, () =>
      rest.get<KubernetesListObject<MqttListener>>(path),
    );
    const errors: unknown[] = [];
    informer.on(k8s.ERROR, (err: unknown) => errors.push(err));
    await informer.start();
    return { informer, errors };
  }

  it('re-establishes its watches and keeps reconciling', async function () {
    this.timeout(150_000);
    await createListener(rest, ns, 'before', { rabbitmq: { secretName: 'rabbit' } });
    await eventually(
      'the first Deployment',
      async () => (await children(rest, ns, 'before')).deployment !== null,
    );
    const bare = await libraryInformer();
    await eventually('the library informer to list', () => bare.informer.get('before', ns) !== undefined);
    const listsBefore = await op.metric(LISTS);

    await cp.restartApiServer();

    await rest.mergePatch(listenerPath(ns, 'before'), { spec: { mqtt: { port: 1885 } } });
    await createListener(rest, ns, 'after', { rabbitmq: { secretName: 'rabbit' } });
    await eventually(
      'reconciles after the restart',
      async () => {
        const svc = (await children(rest, ns, 'before')).service;
        const created = (await children(rest, ns, 'after')).deployment;
        return svc?.spec?.ports?.[0]?.port === 1885 && created !== null;
      },
      60_000,
      500,
    );
    assert.ok(op.proc.running, 'the operator exited during the outage');
    assert.ok((await op.metric(ERRORS)) > 0, 'the operator saw its watches fail');
    // The new API server's watch cache starts after every resourceVersion the operator held: 410, and a relist.
    assert.ok((await op.metric(LISTS)) > listsBefore, 'the operator listed the listeners again');

    // client-node 2.0.1's informer alone: an error (connection refused) while the API server was down, and
    // then nothing more, so it never sees a listener made after the restart.
    await bare.informer.stop();
    assert.ok(bare.errors.length > 0, 'the library informer reported no error');
    assert.equal(bare.informer.get('after', ns), undefined, 'the library informer recovered by itself');
  });
});
