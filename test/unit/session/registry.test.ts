import { strict as assert } from 'node:assert';
import { LocalRegistry, type Displaceable } from '../../../adapter/src/session/registry';
import { FenceCheck } from '../../../adapter/src/session/fence';
import { StaleEpochError } from '../../../adapter/src/ports/session-store';
import { createLogger } from '../../../adapter/src/log';

class Holder implements Displaceable {
  takenOver = 0;
  fencedCount = 0;
  constructor(
    readonly clientId: string,
    readonly connectionId: string,
    readonly epoch: number,
  ) {}
  takeover(): Promise<void> {
    this.takenOver++;
    return Promise.resolve();
  }
  fenced(): void {
    this.fencedCount++;
  }
}

describe('session/registry', () => {
  it('keeps the newest epoch whatever order two CONNECTs arrive in [MQTT-3.1.4-2]', async () => {
    const r = new LocalRegistry();
    const newer = new Holder('c', 'conn-2', 20);
    const older = new Holder('c', 'conn-1', 10);
    await r.take('c', newer);
    await assert.rejects(r.take('c', older), StaleEpochError);
    assert.deepEqual(r.all(), [newer]);
    assert.equal(newer.takenOver, 0);
  });

  it('displaces an older holder', async () => {
    const r = new LocalRegistry();
    const older = new Holder('c', 'conn-1', 10);
    const newer = new Holder('c', 'conn-2', 20);
    await r.take('c', older);
    await r.take('c', newer);
    assert.equal(older.takenOver, 1);
    r.release('c', older);
    assert.deepEqual(r.all(), [newer]);
  });
});

describe('session/fence', () => {
  const log = createLogger('silent');

  it('fences exactly the sessions whose client id has a newer epoch in the store', async () => {
    const r = new LocalRegistry();
    const a = new Holder('a', 'conn-a', 5);
    const b = new Holder('b', 'conn-b', 5);
    const c = new Holder('c', 'conn-c', 5);
    for (const h of [a, b, c]) await r.take(h.clientId, h);
    const epochs: Record<string, number | undefined> = { a: 5, b: 6, c: undefined };
    const fence = new FenceCheck(r, { epochOf: (id) => Promise.resolve(epochs[id]) }, 1000, log);
    assert.equal(await fence.check(), 1);
    assert.deepEqual([a.fencedCount, b.fencedCount, c.fencedCount], [0, 1, 0]);
  });

  it('closes nothing on a guess when the store is away', async () => {
    const r = new LocalRegistry();
    const a = new Holder('a', 'conn-a', 5);
    await r.take('a', a);
    const fence = new FenceCheck(r, { epochOf: () => Promise.reject(new Error('down')) }, 1000, log);
    assert.equal(await fence.check(), 0);
    assert.equal(a.fencedCount, 0);
  });
});
