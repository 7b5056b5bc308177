import { strict as assert } from 'node:assert';
import { OpsBarrier } from '../../../adapter/src/amqp/ops-barrier';

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('amqp/ops-barrier: what the operations of an ops channel wait for', () => {
  it('holds until everything added has settled, a failure included, then lets go', async () => {
    const b = new OpsBarrier();
    assert.ok(b.pending === undefined);
    const close = deferred();
    const undo = deferred();
    b.add(close.promise);
    b.add(undo.promise);
    let passed = false;
    const pending = b.pending as Promise<void> | undefined;
    void pending?.then(() => (passed = true));
    close.reject(new Error('connection gone'));
    await turn();
    assert.equal(passed, false, 'the undo is still outstanding');
    undo.resolve();
    await turn();
    assert.equal(passed, true);
    assert.equal(b.pending, undefined, 'nothing kept once all settled');
  });
});
