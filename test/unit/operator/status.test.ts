import { strict as assert } from 'node:assert';
import type { V1Deployment } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { degradedCondition } from '../../../operator/src/status/conditions/degraded';
import { progressingCondition } from '../../../operator/src/status/conditions/progressing';
import { readyCondition } from '../../../operator/src/status/conditions/ready';
import { listenerStatus } from '../../../operator/src/status/listener-status';
import { mergeConditions } from '../../../operator/src/status/merge-conditions';

const dep = (status: V1Deployment['status'], generation = 2): V1Deployment => ({
  metadata: { generation },
  status,
});
const settled = dep({ observedGeneration: 2, replicas: 3, updatedReplicas: 3, readyReplicas: 3 });

describe('operator: status conditions', () => {
  it('Ready follows ready pods against desired replicas', () => {
    assert.equal(readyCondition({ generation: 1, desiredReplicas: 3, deployment: settled }).status, 'True');
    const partial = dep({ observedGeneration: 2, replicas: 3, updatedReplicas: 3, readyReplicas: 1 });
    const c = readyCondition({ generation: 1, desiredReplicas: 3, deployment: partial });
    assert.deepEqual([c.status, c.reason, c.message], ['False', 'ReplicasNotReady', '1 of 3 pods ready']);
    assert.equal(readyCondition({ generation: 1, desiredReplicas: 3 }).reason, 'DeploymentMissing');
    assert.equal(
      readyCondition({ generation: 1, desiredReplicas: 0, deployment: settled }).reason,
      'ScaledToZero',
    );
  });

  it('Progressing is true while the Deployment has not caught up', () => {
    const stale = dep({ observedGeneration: 1, replicas: 3, updatedReplicas: 3 });
    assert.equal(
      progressingCondition({ generation: 1, desiredReplicas: 3, deployment: stale }).reason,
      'RollingOut',
    );
    const old = dep({ observedGeneration: 2, replicas: 4, updatedReplicas: 3 });
    assert.equal(progressingCondition({ generation: 1, desiredReplicas: 3, deployment: old }).status, 'True');
    const done = progressingCondition({ generation: 1, desiredReplicas: 3, deployment: settled });
    assert.deepEqual([done.status, done.reason], ['False', 'RolloutComplete']);
  });

  it('Degraded carries the reconcile failure, or a stuck rollout', () => {
    const failure = { reason: 'SecretNotFound', message: 'Secret ns1/rabbit not found' };
    const c = degradedCondition({ generation: 1, desiredReplicas: 3, deployment: settled, failure });
    assert.deepEqual(
      [c.status, c.reason, c.message],
      ['True', 'SecretNotFound', 'Secret ns1/rabbit not found'],
    );
    const stuck = dep({
      conditions: [
        { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'slow' },
      ],
    });
    assert.equal(
      degradedCondition({ generation: 1, desiredReplicas: 1, deployment: stuck }).reason,
      'ProgressDeadlineExceeded',
    );
    assert.equal(
      degradedCondition({ generation: 1, desiredReplicas: 1, deployment: settled }).status,
      'False',
    );
    assert.equal(progressingCondition({ generation: 1, desiredReplicas: 1, failure }).reason, 'Blocked');
  });

  it('keeps lastTransitionTime while a condition keeps its status', () => {
    const t0 = new Date('2026-01-01T00:00:00.123Z');
    const t1 = new Date('2026-01-01T00:05:00Z');
    const first = mergeConditions([], [{ type: 'Ready', status: 'False', reason: 'A' }], t0, 1);
    assert.equal(first[0]?.lastTransitionTime, '2026-01-01T00:00:00Z');
    const same = mergeConditions(first, [{ type: 'Ready', status: 'False', reason: 'B' }], t1, 2);
    assert.equal(same[0]?.lastTransitionTime, '2026-01-01T00:00:00Z');
    assert.equal(same[0]?.observedGeneration, 2);
    const flipped = mergeConditions(same, [{ type: 'Ready', status: 'True', reason: 'C' }], t1, 2);
    assert.equal(flipped[0]?.lastTransitionTime, '2026-01-01T00:05:00Z');
  });

  it('builds the whole status with the selector for the scale subresource', () => {
    const s = listenerStatus(
      { generation: 4, desiredReplicas: 3, deployment: settled },
      'a=b',
      [],
      new Date(0),
    );
    assert.equal(s.observedGeneration, 4);
    assert.equal(s.replicas, 3);
    assert.equal(s.readyReplicas, 3);
    assert.equal(s.selector, 'a=b');
    assert.deepEqual(
      s.conditions?.map((c) => `${c.type}=${c.status}`),
      ['Ready=True', 'Progressing=False', 'Degraded=False'],
    );
  });
});
