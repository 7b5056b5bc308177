import { strict as assert } from 'node:assert';
import { BIND_HOLD_MS, PendingBinds, mayMatch } from '../../../adapter/src/session/pending-binds';
import { topicMatches } from '../../../adapter/src/mqtt/topic';
import { ManualClock } from '../../support/manual-clock';
import { SessionRig, publishPacket } from '../../support/session-rig';

const matches = (filter: string, topic: string): boolean =>
  mayMatch(filter.split('/'), 0, topic.split('/'), 0);

/** Whether a promise has settled by now. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
}

describe('session/pending-binds: a PUBLISH read after a matching SUBSCRIBE waits for its bind', () => {
  it('matches every topic an MQTT filter matches', () => {
    const filters = ['a/b', 'a/+', 'a/#', '#', '+/b', '+', 'a/+/c/#', '$SYS/#'];
    const topics = ['a', 'a/b', 'a/b/c', 'a/x/c/d', 'b', 'x/b', '$SYS/x', 'a//b', '/b'];
    for (const f of filters)
      for (const t of topics)
        if (topicMatches(f, t)) assert.ok(matches(f, t), `${f} must be taken to match ${t}`);
  });

  it('takes # to stand for any number of levels anywhere, as AMQP does', () => {
    assert.ok(matches('a/#/c', 'a/c'));
    assert.ok(matches('a/#/c', 'a/b/b/c'));
    assert.ok(!matches('a/#/c', 'a/b/d'));
    assert.ok(!matches('a/+', 'a/b/c'));
    assert.ok(!matches('a/b', 'a/c'));
  });

  it('costs nothing and holds nothing when no bind is pending', () => {
    const binds = new PendingBinds(undefined, new ManualClock());
    assert.equal(binds.before('a/b'), undefined);
  });

  it('holds a matching publish until the release, a shared filter by its inner filter', async () => {
    const clock = new ManualClock();
    const binds = new PendingBinds(undefined, clock);
    const hold = binds.hold(['$share/g/a/+', 'x/y']);
    assert.equal(binds.before('b/c'), undefined, 'a topic no pending filter matches goes at once');
    const wait = binds.before('a/b');
    assert.ok(wait);
    assert.equal(await settled(wait), false);
    hold.release();
    assert.equal(await settled(wait), true);
    assert.equal(binds.size, 0);
    assert.equal(clock.pending, 0, 'the release cancels the deadline');
    hold.release();
  });

  it('ends a hold at its deadline, and says so, when the bind never answers', async () => {
    const clock = new ManualClock();
    let expired = 0;
    const binds = new PendingBinds(() => expired++, clock);
    binds.hold(['a/#']);
    const wait = binds.before('a/b') as Promise<void>;
    await clock.advance(BIND_HOLD_MS - 1);
    assert.equal(await settled(wait), false);
    await clock.advance(1);
    assert.equal(await settled(wait), true);
    assert.equal(binds.size, 0);
    assert.equal(expired, 1);
  });
});

describe('session core on the fake broker: the holds of SUBSCRIBEs read', () => {
  it("holds another client's matching PUBLISH until the bind, and only a matching one", async () => {
    const rig = new SessionRig();
    const sub = await rig.connect('sub');
    const pub = await rig.connect('pub');
    await rig.subscribe(sub, 'warm/+', 1);
    rig.broker.ops.hold();
    sub.pipe.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'held/+', qos: 1 }] });
    await rig.broker.ops.waitHeld(1);
    pub.pipe.sendAll([publishPacket('other/x', 'free', 1, 1), publishPacket('held/x', 'held', 1, 2)]);
    assert.equal(
      (await pub.pipe.next('puback')).messageId,
      1,
      'a topic no pending filter matches goes at once',
    );
    rig.broker.ops.release();
    assert.equal((await pub.pipe.next('puback')).messageId, 2);
    const got = await sub.pipe.next('publish');
    assert.equal(got.payload.toString(), 'held', 'the held PUBLISH met the new binding');
    assert.equal(rig.deps.pendingBinds.size, 0);
  });

  it('ends the hold of a SUBSCRIBE the close overtook, before its deadline', async () => {
    const rig = new SessionRig();
    const c = await rig.connect('gone');
    rig.broker.ops.hold();
    c.pipe.sendAll([
      { cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'first/+', qos: 1 }] },
      { cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'second/+', qos: 1 }] },
    ]);
    await rig.broker.ops.waitHeld(1);
    assert.equal(rig.deps.pendingBinds.size, 2, 'both SUBSCRIBEs hold from their reading on');
    await rig.hangUp(c);
    rig.broker.ops.release();
    await rig.closed(c);
    assert.equal(rig.deps.pendingBinds.size, 0);
  });
});
