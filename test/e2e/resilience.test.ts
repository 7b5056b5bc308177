import { strict as assert } from 'node:assert';
import type { RestClient } from '../../operator/src/kube/rest-client';
import type { ControlPlane } from './harness/control-plane';
import { createNamespace, deleteNamespace, putSecret } from './harness/namespace';
import { children, createListener, listenerPath } from './harness/objects';
import { OperatorProcess } from './harness/operator-process';
import { SETUP_TIMEOUT_MS, sharedControlPlane } from './harness/shared';
import { eventually } from './harness/wait';

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

  it('re-establishes its watches and keeps reconciling', async function () {
    this.timeout(150_000);
    await createListener(rest, ns, 'before', { rabbitmq: { secretName: 'rabbit' } });
    await eventually(
      'the first Deployment',
      async () => (await children(rest, ns, 'before')).deployment !== null,
    );

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
  });
});
