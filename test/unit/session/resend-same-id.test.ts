import { strict as assert } from 'node:assert';
import type { IConnectPacket, IPublishPacket } from 'mqtt-packet';
import { ResendIds, resendKey } from '../../../adapter/src/session/resend-ids';
import { decodeSession, encodeSession } from '../../../adapter/src/store/redis/session-codec';
import { SessionRig, publishPacket, type Client } from '../../support/session-rig';

const persistent: Partial<IConnectPacket> = { clean: false };

/** Publishes each payload at QoS 2 and completes the exchange. */
async function publishQos2(pub: Client, topic: string, payloads: string[], firstId: number): Promise<void> {
  for (const [i, payload] of payloads.entries()) {
    pub.pipe.send(publishPacket(topic, payload, 2, firstId + i));
    await pub.pipe.next('pubrec');
    pub.pipe.send({ cmd: 'pubrel', messageId: firstId + i });
    await pub.pipe.next('pubcomp');
  }
}

async function take(c: Client, n: number): Promise<IPublishPacket[]> {
  const out: IPublishPacket[] = [];
  for (let i = 0; i < n; i++) out.push(await c.pipe.next('publish'));
  return out;
}

const seen = (ps: IPublishPacket[]): { payload: string; id?: number; dup: boolean }[] =>
  ps.map((p) => ({ payload: p.payload.toString(), id: p.messageId, dup: p.dup }));

describe('a resumed session sends unacknowledged PUBLISHes again under their ids [MQTT-4.4.0-1]', () => {
  let rig: SessionRig;
  beforeEach(() => (rig = new SessionRig()));

  /** A subscriber whose next packet ids are past 1, so a fresh allocator could not hit the same ids by chance. */
  async function subscriberPastId1(qos: 1 | 2): Promise<{ sub: Client; pub: Client }> {
    const sub = await rig.connect('s', persistent);
    await rig.subscribe(sub, 't/x', qos);
    const pub = await rig.connect('pub');
    await publishQos2(pub, 't/x', ['warm1', 'warm2'], 100);
    for (const p of await take(sub, 2)) {
      if (qos === 1) sub.pipe.send({ cmd: 'puback', messageId: p.messageId as number });
      else {
        sub.pipe.send({ cmd: 'pubrec', messageId: p.messageId as number });
        await sub.pipe.next('pubrel');
        sub.pipe.send({ cmd: 'pubcomp', messageId: p.messageId as number });
      }
    }
    return { sub, pub };
  }

  for (const qos of [1, 2] as const) {
    it(`QoS ${qos}: same ids with DUP, then new messages under ids not awaited`, async () => {
      const { sub, pub } = await subscriberPastId1(qos);
      await publishQos2(pub, 't/x', ['m1', 'm2'], 200);
      const first = seen(await take(sub, 2));
      assert.deepEqual(
        first.map((p) => p.id),
        [3, 4],
      );
      await rig.hangUp(sub);
      await publishQos2(pub, 't/x', ['m3'], 300);
      const back = await rig.connect('s', persistent);
      assert.equal(back.connack.sessionPresent, true);
      assert.deepEqual(seen(await take(back, 3)), [
        { payload: 'm1', id: 3, dup: true },
        { payload: 'm2', id: 4, dup: true },
        { payload: 'm3', id: 1, dup: false },
      ]);
    });
  }

  for (const lands of [false, true]) {
    it(`QoS 2: a PUBREC whose PUBREL was not yet stored counts as unacknowledged (the write ${lands ? 'lands during the close' : 'never lands'})`, async () => {
      const { sub, pub } = await subscriberPastId1(2);
      await publishQos2(pub, 't/x', ['m1'], 200);
      const [p] = await take(sub, 1);
      const save = rig.deps.sessions.save.bind(rig.deps.sessions);
      let held: (() => void) | undefined;
      rig.deps.sessions.save = (...args) =>
        new Promise((resolve, reject) => {
          held = () => void save(...args).then(resolve, reject);
        });
      sub.pipe.send({ cmd: 'pubrec', messageId: p.messageId as number });
      await new Promise((r) => setImmediate(r));
      assert.ok(held, 'the pending PUBREL is being stored');
      rig.deps.sessions.save = save;
      await rig.hangUp(sub);
      // Landing now, the write must neither release nor ack: the close stored the message as unacknowledged.
      if (lands) held();
      // The close gives the write under way half its deadline, then goes on without it.
      await rig.clock.advance(rig.config.closeTimeoutMs / 2);
      await rig.closed(sub);
      const back = await rig.connect('s', persistent);
      assert.deepEqual(seen(await take(back, 1)), [{ payload: 'm1', id: p.messageId, dup: true }]);
    });
  }

  /** A persistent QoS 2 subscriber (its own user, so its own broker link) sent m1 by a persistent publisher. */
  async function oneDelivered(): Promise<{
    sub: Client;
    pub: Client;
    p: IPublishPacket;
    link: NonNullable<ReturnType<typeof subLink>>;
  }> {
    const sub = await rig.connect('s', { clean: false, username: 'subuser' });
    await rig.subscribe(sub, 't/x', 2);
    // A persistent publisher's QoS 2 messages carry a token, which names a message without doubt.
    const pub = await rig.connect('p', { clean: false });
    await publishQos2(pub, 't/x', ['m1'], 200);
    const [p] = await take(sub, 1);
    const link = subLink();
    assert.ok(link);
    return { sub, pub, p, link };
  }

  const subLink = () => [...rig.broker.links].find((l) => l.user === 'subuser');

  /**
   * A QoS 2 message released to the subscriber whose ack never reaches the
   * broker, then the broker connection lost; `crash`: the close stores nothing,
   * as when the replica is killed. Returns once the session resumed and m2,
   * published after, arrived alone.
   */
  async function releasedAckLost(crash: boolean): Promise<void> {
    const { sub, pub, p, link } = await oneDelivered();
    link.ack = () => undefined;
    sub.pipe.send({ cmd: 'pubrec', messageId: p.messageId as number });
    await sub.pipe.next('pubrel');
    const save = rig.deps.sessions.save.bind(rig.deps.sessions);
    if (crash) rig.deps.sessions.save = () => Promise.reject(new Error('the replica is gone'));
    rig.broker.loseConnection('subuser');
    await rig.closed(sub);
    rig.deps.sessions.save = save;
    const back = await rig.connect('s', { clean: false, username: 'subuser' });
    assert.equal((await back.pipe.next('pubrel')).messageId, p.messageId, 'the PUBREL goes out again');
    back.pipe.send({ cmd: 'pubcomp', messageId: p.messageId as number });
    await publishQos2(pub, 't/x', ['m2'], 201);
    assert.deepEqual(
      seen(await take(back, 1)).map((m) => m.payload),
      ['m2'],
      'm1 came back from RabbitMQ but the client has it',
    );
    const dropped = await rig.deps.metrics.qos2DuplicatesDropped.get();
    assert.equal(dropped.values[0]?.value, 1);
  }

  it('QoS 2: a released message whose ack was lost with the broker connection is not sent again', () =>
    releasedAckLost(false));

  // The live session stored it with its pending PUBREL: the replica dies before the ack leaves it.
  it('QoS 2: a released message is not sent again after a crash that lost its ack and stored nothing at close', () =>
    releasedAckLost(true));

  it('QoS 2: a message the old connection gives back only after the new one took fresh messages keeps its id', async () => {
    const { sub, pub, p, link } = await oneDelivered();
    // A slow close (RabbitMQ under load): the consumer is cancelled, its unacked message given back later.
    const close = link.close.bind(link);
    let giveBack: (() => void) | undefined;
    const given = new Promise<void>((r) => (giveBack = r));
    link.close = async () => {
      await link.cancel('mqtt-subscription-sqos1');
      await given;
      return close();
    };
    await rig.hangUp(sub);
    for (let i = 0; i < 20 && sub.connection.phase !== 'closed'; i++) {
      await rig.clock.advance(rig.config.closeTimeoutMs);
      await new Promise((r) => setImmediate(r));
    }
    const back = await rig.connect('s', { clean: false, username: 'subuser' });

    assert.equal(back.connack.sessionPresent, true);
    await publishQos2(pub, 't/x', ['m2'], 201);
    const fresh = seen(await take(back, 1));
    giveBack?.();
    const again = seen(await take(back, 1));
    assert.deepEqual(
      [...fresh, ...again].find((m) => m.payload === 'm1'),
      { payload: 'm1', id: p.messageId, dup: true },
      'm1 goes out again under its id, whenever RabbitMQ gives it back',
    );
  });

  it('a message unacknowledged across two connections keeps its id', async () => {
    const { sub, pub } = await subscriberPastId1(1);
    await publishQos2(pub, 't/x', ['m1'], 200);
    await take(sub, 1);
    await rig.hangUp(sub);
    const between = await rig.connect('s', persistent);
    const [p] = await take(between, 1);
    assert.equal(p.messageId, 3);
    await rig.hangUp(between);
    const back = await rig.connect('s', persistent);
    assert.deepEqual(seen(await take(back, 1)), [{ payload: 'm1', id: 3, dup: true }]);
  });
});

describe('ResendIds', () => {
  const d = (payload: string, redelivered = true, token?: string) => ({
    topic: 't',
    payload: Buffer.from(payload),
    redelivered,
    ...(token ? { mark: { token, resent: false } } : {}),
  });

  it('hands each id back to the message it went out with, alike messages in turn', () => {
    const r = new ResendIds([
      { id: 7, queue: 'q', key: resendKey(d('a')) },
      { id: 8, queue: 'q', key: resendKey(d('a')) },
      { id: 9, queue: 'q', key: resendKey(d('b', true, 'tok')) },
    ]);
    assert.equal(r.claim('q', d('b', true, 'tok')).id, 9);
    assert.equal(r.claim('q', d('a')).id, 7);
    assert.equal(r.claim('other', d('a')).id, undefined, 'another queue awaits nothing');
    assert.equal(r.claim('q', d('a')).id, 8);
    assert.equal(r.empty, true);
  });

  it('gives up a queue’s ids at its first delivery that is not a redelivery', () => {
    const r = new ResendIds([
      { id: 1, queue: 'q', key: 'h:x' },
      { id: 2, queue: 'g', key: 'h:y' },
    ]);
    assert.deepEqual(r.claim('q', d('new', false)), { givenUp: [1] });
    assert.deepEqual(r.entries(), [{ id: 2, queue: 'g', key: 'h:y' }]);
  });

  it('gives nothing up for fresh deliveries until its hold ends, then at the first', () => {
    const r = new ResendIds([{ id: 1, queue: 'q', key: resendKey(d('m1')) }], 1000);
    assert.deepEqual(r.claim('q', d('new', false), 999), { givenUp: [] });
    assert.deepEqual(r.claim('q', d('m1'), 999), { id: 1, givenUp: [] });
    const later = new ResendIds([{ id: 2, queue: 'q', key: 'h:x' }], 1000);
    assert.deepEqual(later.claim('q', d('new', false), 1000), { givenUp: [2] });
  });

  it('keys a marked message by its token, another by its topic and payload', () => {
    assert.equal(resendKey(d('a', true, 'tok')), resendKey(d('b', true, 'tok')));
    assert.notEqual(resendKey(d('a')), resendKey(d('b')));
    assert.notEqual(
      resendKey({ topic: 'ab', payload: Buffer.from('c') }),
      resendKey({ topic: 'a', payload: Buffer.from('bc') }),
    );
  });

  it('survives the session codec', () => {
    const state = {
      protocolVersion: 4,
      expirySeconds: 60,
      subscriptions: [],
      outboundUnacked: [{ id: 5, queue: 'q', key: 'h:abc' }],
    };
    assert.deepEqual(decodeSession(encodeSession(state)), state);
    assert.throws(
      () => decodeSession(JSON.stringify({ ...state, outboundUnacked: [{ id: 0, queue: 'q', key: 'k' }] })),
      /unacknowledged PUBLISHes are malformed/,
    );
  });
});
