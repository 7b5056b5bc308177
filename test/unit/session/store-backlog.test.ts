import { strict as assert } from 'node:assert';
import { StoreBacklog } from '../../../adapter/src/session/backlog';
import { rideThrough } from '../../../adapter/src/session/ride-through';
import { StaleEpochError } from '../../../adapter/src/ports/session-store';
import { ManualClock } from '../../support/manual-clock';

const push = <T>(list: T[], v: T): Promise<number> => Promise.resolve(list.push(v));

describe('session/backlog: store work redone once Redis answers', () => {
  it('runs entries in order, keeps the one that fails and those after it', async () => {
    const b = new StoreBacklog();
    const ran: string[] = [];
    let redisBack = false;
    b.later('a', () => push(ran, 'a'));
    b.later('b', () => (redisBack ? push(ran, 'b') : Promise.reject(new Error('Redis away'))));
    b.later('c', () => push(ran, 'c'));
    await assert.rejects(b.runAll(), /Redis away/);
    assert.deepEqual(ran, ['a']);
    assert.equal(b.size, 2);
    redisBack = true;
    await b.runAll();
    assert.deepEqual(ran, ['a', 'b', 'c']);
    assert.equal(b.size, 0);
  });

  it('a later entry under the same key replaces the older', async () => {
    const b = new StoreBacklog();
    const ran: number[] = [];
    b.later('will:x', () => push(ran, 1));
    b.later('will:x', () => push(ran, 2));
    await b.runAll();
    assert.deepEqual(ran, [2]);
  });

  it('drops the oldest entry past its limit, and counts it', async () => {
    const b = new StoreBacklog(2);
    const ran: string[] = [];
    for (const k of ['a', 'b', 'c']) b.later(k, () => push(ran, k));
    assert.equal(b.dropped, 1);
    await b.runAll();
    assert.deepEqual(ran, ['b', 'c']);
  });
});

/** Lets the failed attempt set its retry timer, then moves time on, `ms` at a time. */
async function pass(clock: ManualClock, ms: number, steps: number): Promise<void> {
  for (let i = 0; i < steps; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    await clock.advance(ms);
  }
}

describe('session/ride-through: a live session write outlasting a Redis failover', () => {
  it('tries again until the write succeeds within the time allowed', async () => {
    const clock = new ManualClock();
    let attempts = 0;
    const done = rideThrough(
      () => (++attempts < 4 ? Promise.reject(new Error('Connection is closed.')) : Promise.resolve('stored')),
      2000,
      clock,
    );
    await pass(clock, 200, 5);
    assert.equal(await done, 'stored');
    assert.equal(attempts, 4);
  });

  it('gives up with the last error once the time is out', async () => {
    const clock = new ManualClock();
    let attempts = 0;
    const done = rideThrough(() => Promise.reject(new Error(`failure ${++attempts}`)), 1000, clock);
    const failed = assert.rejects(done, /failure 6/);
    await pass(clock, 200, 10);
    await failed;
  });

  it('takes a stale epoch as final at once', async () => {
    let attempts = 0;
    await assert.rejects(
      rideThrough(() => Promise.reject(new StaleEpochError('c', ++attempts)), 10_000, new ManualClock()),
      StaleEpochError,
    );
    assert.equal(attempts, 1);
  });
});
