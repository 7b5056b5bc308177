import { strict as assert } from 'node:assert';
import pino from 'pino';
import {
  MAX_ATTEMPTS,
  StoreBacklog,
  retryDelay,
  type DropReason,
} from '../../../adapter/src/session/backlog';
import { rideThrough } from '../../../adapter/src/session/ride-through';
import { StaleEpochError } from '../../../adapter/src/ports/session-store';
import { ManualClock } from '../../support/manual-clock';

const push = <T>(list: T[], v: T): Promise<number> => Promise.resolve(list.push(v));

const lines: string[] = [];
const log = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });

function backlog(limit?: number): { b: StoreBacklog; clock: ManualClock; drops: DropReason[] } {
  const clock = new ManualClock();
  const drops: DropReason[] = [];
  const b = new StoreBacklog({ clock, log, onDrop: (r) => drops.push(r), ...(limit ? { limit } : {}) });
  return { b, clock, drops };
}

describe('session/backlog: store work redone once Redis answers', () => {
  beforeEach(() => (lines.length = 0));

  it('one entry whose attempt hangs holds the others back for the attempt timeout only, and is not started twice', async () => {
    const clock = new ManualClock();
    const b = new StoreBacklog({ clock, log, attemptTimeoutMs: 1000 });
    const ran: string[] = [];
    let tries = 0;
    let unstick = (): void => undefined;
    // A will whose confirm RabbitMQ never sends, say.
    b.later('stuck', () => {
      tries++;
      return new Promise<void>((resolve) => (unstick = resolve));
    });
    b.later('after', () => push(ran, 'after'));
    await clock.advance(retryDelay(1));
    assert.deepEqual(ran, []);
    await clock.advance(1000);
    assert.deepEqual(ran, ['after'], 'tried once the hanging attempt had its time');
    await clock.advance(60_000);
    assert.equal(tries, 1, 'not started again while its attempt runs');
    unstick();
    await clock.advance(0);
    assert.equal(b.size, 0, 'its late success counts');
    await b.stop();
  });

  it('runs entries in order on its own timer; one that fails holds up none after it', async () => {
    const { b, clock } = backlog();
    const ran: string[] = [];
    let redisBack = false;
    b.later('a', () => push(ran, 'a'));
    b.later('b', () => (redisBack ? push(ran, 'b') : Promise.reject(new Error('Redis away'))));
    b.later('c', () => push(ran, 'c'));
    await clock.advance(retryDelay(1));
    assert.deepEqual(ran, ['a', 'c']);
    assert.equal(b.size, 1);
    redisBack = true;
    await clock.advance(retryDelay(2));
    assert.deepEqual(ran, ['a', 'c', 'b']);
    assert.equal(b.size, 0);
    assert.equal(clock.pending, 0, 'no timer left once empty');
  });

  it('a later entry under the same key replaces the older', async () => {
    const { b, clock } = backlog();
    const ran: number[] = [];
    b.later('will:x', () => push(ran, 1));
    b.later('will:x', () => push(ran, 2));
    await clock.advance(retryDelay(1));
    assert.deepEqual(ran, [2]);
  });

  it('drops the oldest entry past its limit, and counts it', async () => {
    const { b, clock, drops } = backlog(2);
    const ran: string[] = [];
    for (const k of ['a', 'b', 'c']) b.later(k, () => push(ran, k));
    assert.deepEqual(drops, ['overflow']);
    await clock.advance(retryDelay(1));
    assert.deepEqual(ran, ['b', 'c']);
  });

  it('backs off, then drops an entry that keeps failing, with an error naming its key', async () => {
    const { b, clock, drops } = backlog();
    const tried: number[] = [];
    b.later('will:stuck', () => Promise.reject(new Error(`failure at ${tried.push(clock.now())}`)));
    await clock.advance(60 * 60_000);
    // The attempt that failed before the entry was queued counts as the first.
    assert.equal(tried.length, MAX_ATTEMPTS - 1);
    const pauses = tried.map((t, i) => t - (i === 0 ? 0 : tried[i - 1]));
    assert.deepEqual(
      pauses,
      tried.map((_, i) => retryDelay(i + 1)),
    );
    assert.ok(pauses.every((p) => p <= 15_000));
    assert.equal(b.size, 0);
    assert.deepEqual(drops, ['attempts']);
    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0]) as { key: string; attempts: number; msg: string };
    assert.equal(line.key, 'will:stuck');
    assert.equal(line.attempts, MAX_ATTEMPTS);
    assert.match(line.msg, /dropped/);
    assert.equal(clock.pending, 0);
  });

  it('stop cancels its timer: nothing is tried after it', async () => {
    const { b, clock } = backlog();
    const ran: string[] = [];
    b.later('a', () => push(ran, 'a'));
    assert.equal(clock.pending, 1);
    await b.stop();
    assert.equal(clock.pending, 0);
    b.later('b', () => push(ran, 'b'));
    await clock.advance(60_000);
    assert.deepEqual(ran, []);
  });

  it('stop waits for the entry being tried', async () => {
    const { b, clock } = backlog();
    let finish!: () => void;
    let finished = false;
    b.later('a', () => new Promise<void>((resolve) => (finish = resolve)).then(() => void (finished = true)));
    await clock.advance(retryDelay(1));
    const stopped = b.stop();
    finish();
    await stopped;
    assert.ok(finished);
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
