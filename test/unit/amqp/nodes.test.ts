import { strict as assert } from 'node:assert';
import { NodeChooser } from '../../../adapter/src/amqp/nodes';

describe('amqp/nodes: which node a new pooled connection goes to', () => {
  it('fills an even cluster round-robin', () => {
    const nodes = new NodeChooser(3);
    const picked: number[] = [];
    for (let k = 0; k < 6; k++) {
      const [first] = nodes.order();
      picked.push(first);
      nodes.opened(first);
    }
    assert.deepEqual(picked, [0, 1, 2, 0, 1, 2]);
    assert.deepEqual(nodes.spread, [2, 2, 2]);
  });

  it('prefers the node with the fewest connections', () => {
    const nodes = new NodeChooser(3);
    for (const i of [0, 0, 1, 2, 2]) nodes.opened(i);
    nodes.closed(2);
    nodes.closed(2);
    assert.deepEqual(nodes.order(), [2, 1, 0]);
  });

  it('tries a node that refused last, until its backoff has passed', () => {
    let now = 1000;
    const nodes = new NodeChooser(3, () => now);
    nodes.refused(0);
    assert.deepEqual(nodes.order(), [1, 2, 0]);
    now += 4999;
    assert.equal(nodes.order().at(-1), 0);
    now += 1;
    assert.equal(nodes.order()[0], 0);
  });

  it('forgets a refusal once the node accepts a connection', () => {
    const nodes = new NodeChooser(2, () => 0);
    nodes.refused(1);
    nodes.opened(1);
    nodes.closed(1);
    assert.deepEqual(nodes.order(), [0, 1]);
  });

  it('never counts below zero', () => {
    const nodes = new NodeChooser(1);
    nodes.closed(0);
    assert.deepEqual(nodes.spread, [0]);
  });
});
