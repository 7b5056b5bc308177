import { strict as assert } from 'node:assert';
import type { Lease } from '../../operator/src/leader/lease-decision';
import { resourcePath } from '../../operator/src/kube/paths';
import type { RestClient } from '../../operator/src/kube/rest-client';
import { createNamespace, deleteNamespace, putSecret } from './harness/namespace';
import { children, createListener } from './harness/objects';
import { OperatorProcess } from './harness/operator-process';
import { SETUP_TIMEOUT_MS, sharedControlPlane } from './harness/shared';
import { eventually } from './harness/wait';

describe('e2e: leader election with two operator processes', function () {
  let rest: RestClient;
  let ns: string;
  const ops: OperatorProcess[] = [];

  before(async function () {
    this.timeout(SETUP_TIMEOUT_MS);
    const cp = await sharedControlPlane();
    rest = cp.admin;
    ns = await createNamespace(rest, 'e2e-le');
    await putSecret(rest, ns, 'rabbit', { uri: 'amqp://rabbitmq.example:5672' });
    for (const identity of ['op-a', 'op-b']) {
      ops.push(await OperatorProcess.start(cp, { identity, leaseNamespace: ns, leaseName: 'le-test' }));
    }
  });

  after(async function () {
    this.timeout(60_000);
    await Promise.all(ops.map((o) => o.stop()));
    if (rest && ns) await deleteNamespace(rest, ns);
  });

  const lease = () => rest.get<Lease>(resourcePath('coordination.k8s.io/v1', 'leases', ns, 'le-test'));
  const reconciles = async (o: OperatorProcess): Promise<number> => {
    const m = /^mqtt_adapter_operator_reconciles_total\{result="success"\} (\d+)/m.exec(
      (await o.get('/metrics')).body,
    );
    return m ? Number(m[1]) : 0;
  };

  it('elects exactly one leader, named in the Lease', async () => {
    const gauges = await eventually('one leader', async () => {
      const g = await Promise.all(ops.map((o) => o.leaderGauge()));
      return g.filter((x) => x === 1).length === 1 && g.filter((x) => x === 0).length === 1 ? g : undefined;
    });
    const leader = ops[gauges.indexOf(1)];
    assert.equal((await lease()).spec?.holderIdentity, leader.identity);
  });

  it('reconciles only on the leader', async () => {
    await createListener(rest, ns, 'first', { rabbitmq: { secretName: 'rabbit' } });
    await eventually(
      'the first Deployment',
      async () => (await children(rest, ns, 'first')).deployment !== null,
    );
    const [a, b] = await Promise.all(ops.map(reconciles));
    const gauges = await Promise.all(ops.map((o) => o.leaderGauge()));
    const standby = gauges.indexOf(0);
    assert.equal([a, b][standby], 0, 'the standby replica reconciled');
    assert.ok([a, b][1 - standby] > 0);
  });

  it('hands over to the standby when the leader stops', async function () {
    this.timeout(60_000);
    const gauges = await Promise.all(ops.map((o) => o.leaderGauge()));
    const leader = ops[gauges.indexOf(1)];
    const standby = ops[gauges.indexOf(0)];
    assert.equal(await leader.stop(), 0);
    // The stopping leader frees the Lease, so this is much quicker than the lease duration.
    await eventually('the standby to lead', async () => (await standby.leaderGauge()) === 1, 20_000);
    assert.equal((await lease()).spec?.holderIdentity, standby.identity);
    await createListener(rest, ns, 'second', { rabbitmq: { secretName: 'rabbit' } });
    await eventually(
      'the second Deployment',
      async () => (await children(rest, ns, 'second')).deployment !== null,
    );
  });
});
