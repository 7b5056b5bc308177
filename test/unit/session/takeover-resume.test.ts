import { strict as assert } from 'node:assert';
import type { IConnectPacket } from 'mqtt-packet';
import { queueNameFor } from '../../../adapter/src/session/subscriptions';
import { SessionRig, publishPacket, type Client } from '../../support/session-rig';

const persistentV5: Partial<IConnectPacket> = {
  protocolVersion: 5,
  clean: false,
  properties: { sessionExpiryInterval: 600 },
};

/** Publishes `n` numbered QoS 1 messages and waits for their PUBACKs. */
async function publishNumbered(pub: Client, topic: string, from: number, n: number): Promise<void> {
  for (let i = from; i < from + n; i++) pub.pipe.send(publishPacket(topic, `m${i}`, 1, i));
  for (let i = 0; i < n; i++) await pub.pipe.next('puback');
}

/** Takes `n` PUBLISHes without acking them; returns their payloads and DUP flags. */
async function receive(c: Client, n: number): Promise<{ payload: string; dup: boolean }[]> {
  const out: { payload: string; dup: boolean }[] = [];
  for (let i = 0; i < n; i++) {
    const p = await c.pipe.next('publish');
    out.push({ payload: p.payload.toString(), dup: p.dup });
  }
  return out;
}

describe('session core on the fake broker: takeover, resume, broker events', () => {
  let rig: SessionRig;
  beforeEach(() => (rig = new SessionRig()));

  it('takeover: the old connection gets DISCONNECT 0x8E, its unacked deliveries go to the new one with DUP [MQTT-3.1.4-2]', async () => {
    const old = await rig.connect('c', persistentV5);
    await rig.subscribe(old, 't/k', 1);
    const pub = await rig.connect('pub');
    await publishNumbered(pub, 't/k', 1, 3);
    assert.deepEqual(
      (await receive(old, 3)).map((m) => m.payload),
      ['m1', 'm2', 'm3'],
    );
    const fresh = await rig.connect('c', persistentV5);
    assert.equal(fresh.connack.sessionPresent, true);
    assert.equal((await old.pipe.next('disconnect')).reasonCode, 0x8e);
    await rig.closed(old);
    const again = await receive(fresh, 3);
    assert.deepEqual(
      again.map((m) => m.payload),
      ['m1', 'm2', 'm3'],
    );
    assert.ok(
      again.every((m) => m.dup),
      'redelivered with DUP',
    );
    assert.equal(rig.registry.size, 2);
  });

  it('resume: unacked deliveries come back with DUP, then what was queued meanwhile, none lost', async () => {
    const first = await rig.connect('r', { clean: false });
    await rig.subscribe(first, 't/r', 1);
    const pub = await rig.connect('pub');
    await publishNumbered(pub, 't/r', 1, 2);
    await receive(first, 2);
    first.pipe.hangUp();
    await rig.closed(first);
    await publishNumbered(pub, 't/r', 3, 2);
    assert.deepEqual(rig.broker.leftovers().queues, [queueNameFor('r')]);
    const back = await rig.connect('r', { clean: false });
    assert.equal(back.connack.sessionPresent, true);
    const got = await receive(back, 4);
    assert.deepEqual(got, [
      { payload: 'm1', dup: true },
      { payload: 'm2', dup: true },
      { payload: 'm3', dup: false },
      { payload: 'm4', dup: false },
    ]);
  });

  it('a consumer the broker cancels (its queue deleted) disconnects the client so it resumes', async () => {
    const c = await rig.connect('x', persistentV5);
    await rig.subscribe(c, 't/x', 1);
    rig.broker.deleteQueue(queueNameFor('x'));
    assert.equal((await c.pipe.next('disconnect')).reasonCode, 0x80);
    await rig.closed(c);
    assert.equal(rig.registry.size, 0);
    assert.equal(rig.broker.leftovers().consumers, 0);
  });

  it('a lost broker connection closes every session on it and frees the registry', async () => {
    const a = await rig.connect('a');
    const b = await rig.connect('b', { clean: false });
    await rig.subscribe(b, 't/b', 1);
    rig.broker.loseConnection('guest');
    await Promise.all([rig.closed(a), rig.closed(b)]);
    assert.equal(rig.registry.size, 0);
    assert.equal(rig.broker.leftovers().consumers, 0);
  });
});
