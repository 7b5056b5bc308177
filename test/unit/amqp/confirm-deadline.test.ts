import { strict as assert } from 'node:assert';
import { ConfirmDeadline } from '../../../adapter/src/amqp/confirm-deadline';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('amqp/confirm-deadline: the confirm waits of one channel', () => {
  it('a wait confirmed in time ends without failing, and leaves no timer behind', async () => {
    let expired = 0;
    const failed: string[] = [];
    const d = new ConfirmDeadline(30, () => expired++);
    const w = d.track(() => failed.push('a'));
    assert.equal(d.settle(w), true);
    await sleep(60);
    assert.deepEqual([failed, expired], [[], 0]);
  });

  it('past the deadline of the oldest, every wait fails once, a late confirm is ignored, and later publishes fail at once', async () => {
    let expired = 0;
    const failed: string[] = [];
    const d = new ConfirmDeadline(30, () => expired++);
    const a = d.track(() => failed.push('a'));
    await sleep(10);
    const b = d.track(() => failed.push('b'));
    await sleep(40);
    assert.deepEqual(failed, ['a', 'b'], 'b fails with a: the channel is given up');
    assert.equal(expired, 1);
    assert.equal(d.settle(a), false, 'a confirm after the deadline does not count');
    assert.equal(d.settle(b), false);
    d.track(() => failed.push('c'));
    assert.deepEqual(failed, ['a', 'b', 'c'], 'the channel given up takes no new wait');
  });

  it('counts from the oldest wait still open: confirmed ones do not keep the channel alive nor fail it', async () => {
    let expired = 0;
    const failed: string[] = [];
    const d = new ConfirmDeadline(300, () => expired++);
    const a = d.track(() => failed.push('a'));
    await sleep(150);
    d.track(() => failed.push('b'));
    d.settle(a);
    await sleep(200);
    assert.deepEqual(failed, [], 'b was 150 ms old at the first deadline');
    await sleep(300);
    assert.deepEqual(failed, ['b']);
    assert.equal(expired, 1);
  });
});
