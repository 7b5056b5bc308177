import { strict as assert } from 'node:assert';
import { backoffMs } from '../../../operator/src/controller/backoff';
import { WorkQueue } from '../../../operator/src/controller/work-queue';

describe('operator: work queue', () => {
  it('hands out a key queued many times once', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    assert.equal(q.length, 2);
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
    assert.equal(q.length, 0);
  });

  it('never gives a key to two workers; a change while processing is processed after', async () => {
    const q = new WorkQueue();
    q.add('a');
    const key = await q.get();
    q.add('a');
    assert.equal(q.length, 0, 'not handed out while processing');
    q.done(key!);
    assert.equal(q.length, 1);
    assert.equal(await q.get(), 'a');
  });

  it('wakes a waiting worker on add and ends workers on shutdown', async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.add('x');
    assert.equal(await waiting, 'x');
    const idle = q.get();
    q.shutDown();
    assert.equal(await idle, undefined);
    q.add('y');
    assert.equal(await q.get(), undefined);
  });

  it('retries with growing backoff and forgets on success', async () => {
    const delays: number[] = [];
    const q = new WorkQueue((n) => {
      delays.push(n);
      return 1;
    });
    q.retry('a');
    q.retry('a');
    q.forget('a');
    q.retry('a');
    assert.deepEqual(delays, [1, 2, 1]);
    assert.equal(await q.get(), 'a');
    q.shutDown();
  });

  it('backs off exponentially up to a cap', () => {
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => backoffMs(n)),
      [500, 1000, 2000, 4000],
    );
    assert.equal(backoffMs(50), 60_000);
  });
});
