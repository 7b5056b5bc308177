import { strict as assert } from 'node:assert';
import { SessionRig, publishPacket, type Client } from '../../support/session-rig';

/** What `p` resolves to, or a failure naming `what` once `ms` passed. */
function soon<T>(p: Promise<T>, what: string, ms = 500): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Subscribes `c` to `filter` at QoS 1 with every consume held; returns the SUBACK's codes. */
async function subscribeConsumeHeld(rig: SessionRig, c: Client, filter: string): Promise<number[]> {
  rig.broker.ops.hold(['consume']);
  c.pipe.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: filter, qos: 1 }] });
  await rig.broker.ops.waitHeld(1);
  return (await soon(c.pipe.next('suback'), 'a SUBACK while the consume is held')).granted as number[];
}

describe('session core on the fake broker: the SUBACK of a queue made here waits for its bind, not its consume', () => {
  for (const persistent of [false, true]) {
    it(`goes out while consume-ok is outstanding; a message published after it waits in the queue for the consumer (${persistent ? 'persistent' : 'clean'} session)`, async () => {
      const rig = new SessionRig();
      const sub = await rig.connect('sub', { clean: !persistent });
      const pub = await rig.connect('pub');
      assert.deepEqual(await subscribeConsumeHeld(rig, sub, 'late/+'), [1]);
      pub.pipe.send(publishPacket('late/x', 'after the SUBACK', 1, 1));
      await pub.pipe.next('puback');
      assert.deepEqual(rig.broker.ops.pending, ['consume'], 'no consumer yet');
      rig.broker.ops.release();
      const got = await sub.pipe.next('publish');
      assert.equal(got.payload.toString(), 'after the SUBACK');
      sub.pipe.send({ cmd: 'puback', messageId: got.messageId as number });
      await rig.hangUp(sub);
      await rig.closed(sub);
    });
  }

  it('ends the connection when RabbitMQ refuses the consume after the SUBACK went out', async () => {
    const rig = new SessionRig();
    const sub = await rig.connect('refused');
    assert.deepEqual(await subscribeConsumeHeld(rig, sub, 'refused/+'), [1]);
    rig.broker.ops.fail(new Error('ACCESS_REFUSED (403)'));
    rig.broker.ops.release();
    await soon(rig.closed(sub), 'the close', 2000);
    assert.deepEqual(rig.broker.leftovers(), {
      queues: [],
      bindings: [],
      consumers: 0,
      unacked: 0,
      links: 0,
    });
  });

  it('a session that ends with its consume outstanding deletes its queue only after the consume was answered', async () => {
    const rig = new SessionRig();
    const sub = await rig.connect('ending');
    await subscribeConsumeHeld(rig, sub, 'ending/+');
    await rig.hangUp(sub);
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(!rig.broker.ops.sent.includes('delete'), 'no delete ahead of the consume');
    rig.broker.ops.release();
    await soon(rig.closed(sub), 'the close', 2000);
    const sent = rig.broker.ops.sent;
    assert.ok(sent.lastIndexOf('consume') < sent.lastIndexOf('delete'), sent.join(','));
    assert.equal(rig.broker.queues.has('mqtt-subscription-endingqos1'), false);
  });
});
