import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Aborted, Acquisitions, type Acquired } from '../../../adapter/src/session/acquisitions';
import { DeadlineExceeded, within, withDeadline } from '../../../adapter/src/session/deadline';

const KINDS: Acquired[] = ['channel', 'ownership', 'will', 'registry', 'session', 'timer'];

describe('session/acquisitions', () => {
  it('undoes exactly what was acquired, newest first, once (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...KINDS), { maxLength: 12 }), async (kinds) => {
        const undone: number[] = [];
        const a = new Acquisitions({ undoFailed: () => assert.fail('no undo fails here') });
        kinds.forEach((k, i) => a.add(k, () => undone.push(i)));
        await Promise.all([a.release(), a.release()]);
        await a.release();
        assert.deepEqual(undone, kinds.map((_, i) => i).reverse());
        assert.deepEqual(a.held, []);
      }),
    );
  });

  it('undoes a late acquisition at once and stops its step with Aborted', async () => {
    const undone: string[] = [];
    const a = new Acquisitions({ undoFailed: () => undefined });
    a.add('channel', () => undone.push('channel'));
    await a.release();
    assert.throws(() => a.add('will', () => undone.push('will')), Aborted);
    assert.throws(() => a.check('session'), Aborted);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(undone, ['channel', 'will']);
  });

  it('goes on with the other undos when one fails, and reports it', async () => {
    const failed: string[] = [];
    const undone: string[] = [];
    const a = new Acquisitions({ undoFailed: (what) => failed.push(what) });
    a.add('channel', () => undone.push('channel'));
    a.add('will', () => Promise.reject(new Error('redis away')));
    a.add('timer', () => undone.push('timer'));
    await a.release();
    assert.deepEqual(undone, ['timer', 'channel']);
    assert.deepEqual(failed, ['will']);
  });

  it('undoes an owner by its close(), and hands a failed one back to be tried again', async () => {
    let closes = 0;
    const retries: (() => unknown)[] = [];
    const a = new Acquisitions({ undoFailed: (_what, _err, retry) => retries.push(retry) });
    a.add('session', {
      close: () => {
        if (++closes === 1) throw new Error('store away');
      },
    });
    await a.release();
    assert.equal(closes, 1);
    assert.equal(retries.length, 1);
    await retries[0]();
    assert.equal(closes, 2);
  });

  it('hands several undos over to one owner that covers them', async () => {
    const undone: string[] = [];
    const a = new Acquisitions({ undoFailed: () => undefined });
    a.add('timer', () => undone.push('timer'));
    a.add('channel', () => undone.push('channel'));
    a.add('ownership', () => undone.push('ownership'));
    a.handOver(['channel', 'ownership'], 'session', () => undone.push('session'));
    assert.deepEqual(a.held, ['timer', 'session']);
    await a.release();
    assert.deepEqual(undone, ['session', 'timer']);
  });
});

describe('session/deadline', () => {
  it('tells a late result from one in time', async () => {
    assert.equal(await withDeadline(Promise.resolve(1), 50), 'done');
    assert.equal(await withDeadline(new Promise(() => undefined), 5), 'timeout');
    assert.equal(await within(Promise.resolve(7), 50, 'x'), 7);
    await assert.rejects(within(new Promise(() => undefined), 5, 'CONNECT'), DeadlineExceeded);
  });
});
