import { strict as assert } from 'node:assert';
import type { Qos2Mark } from '../../../adapter/src/ports/message';
import type {
  InboundQos2Entry,
  InboundQos2Record,
  SessionStore,
} from '../../../adapter/src/ports/session-store';
import { RecentTokens } from '../../../adapter/src/session/recent-tokens';
import type { FakeLink } from '../../support/fake-broker';
import { SessionRig, publishPacket } from '../../support/session-rig';

const settle = async (rounds = 5): Promise<void> => {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
};

type Record = InboundQos2Record | undefined;

/** Holds the store's QoS 2 record writes until released, and lists them in order. */
function holdRecords(store: SessionStore): {
  readonly writes: { id: number; entry: Record }[];
  release(): void;
} {
  const original = store.recordInboundQos2.bind(store);
  const writes: { id: number; entry: Record }[] = [];
  let held: (() => void)[] | undefined = [];
  store.recordInboundQos2 = (clientId, epoch, id, entry) => {
    writes.push({ id, entry });
    if (!held) return original(clientId, epoch, id, entry);
    return new Promise<void>((resolve, reject) =>
      held?.push(() => original(clientId, epoch, id, entry).then(resolve, reject)),
    );
  };
  return {
    writes,
    release: () => {
      const run = held ?? [];
      held = undefined;
      for (const r of run) r();
    },
  };
}

/** A queue bound to `topic` that nobody consumes, so what reaches the broker can be read with its headers. */
async function probe(rig: SessionRig, topic: string): Promise<{ marks(): (Qos2Mark | undefined)[] }> {
  const link = await rig.broker.login({ user: 'guest', password: 'guest' } as never);
  await link.declareQueue({ name: 'probe', durable: false, expiresMs: 0, quorum: false });
  await link.bind('probe', topic.replace(/\//g, '.'));
  return { marks: () => (rig.broker.queues.get('probe')?.messages ?? []).map((m) => m.extras?.mark) };
}

/** A session stored for `clientId` with these QoS 2 records, as a replica that was killed leaves it. */
async function storedWith(rig: SessionRig, clientId: string, records: InboundQos2Entry[]): Promise<void> {
  const { epoch } = await rig.deps.sessions.claim(clientId, { pod: 'dead', connection: 'x' }, true);
  await rig.deps.sessions.save(clientId, epoch, {
    protocolVersion: 4,
    expirySeconds: 3600,
    subscriptions: [],
  });
  for (const { id, ...entry } of records)
    await rig.deps.sessions.recordInboundQos2(clientId, epoch, id, entry);
}

const persistent = { clean: false } as const;

describe('session core on the fake broker: QoS 2 exactly once across a replica failure', () => {
  let rig: SessionRig;
  beforeEach(() => (rig = new SessionRig()));

  describe('publisher side', () => {
    it('records a QoS 2 id as pending before publishing it, received after the confirm, and removes it before PUBCOMP', async () => {
      const sub = await rig.connect('sub');
      await rig.subscribe(sub, 't/p', 2);
      const pub = await rig.connect('pub', persistent);
      const records = holdRecords(rig.deps.sessions);
      pub.pipe.send(publishPacket('t/p', 'm', 2, 4));
      await settle();
      assert.equal(records.writes[0]?.entry?.state, 'pending');
      assert.deepEqual(rig.broker.confirms.sent, [], 'nothing published before the record landed');
      records.release();
      await pub.pipe.next('pubrec');
      const token = records.writes[0]?.entry?.token;
      await settle();
      assert.deepEqual(records.writes[1], { id: 4, entry: { token, state: 'received' } });
      pub.pipe.send({ cmd: 'pubrel', messageId: 4 });
      assert.equal((await pub.pipe.next('pubcomp')).messageId, 4);
      assert.deepEqual(records.writes[2], { id: 4, entry: undefined });
      assert.equal((await sub.pipe.next('publish')).payload.toString(), 'm');
    });

    it('a session that ends with its connection records nothing and marks nothing', async () => {
      const seen = await probe(rig, 't/c');
      const records = holdRecords(rig.deps.sessions);
      const pub = await rig.connect('pub');
      pub.pipe.send(publishPacket('t/c', 'm', 2, 4));
      await pub.pipe.next('pubrec');
      assert.deepEqual(records.writes, []);
      assert.deepEqual(seen.marks(), [undefined]);
    });

    it('keeps the order received across QoS while a record write is pending [MQTT-4.6.0-2]', async () => {
      const sub = await rig.connect('sub');
      await rig.subscribe(sub, 't/o', 2);
      const pub = await rig.connect('pub', persistent);
      const records = holdRecords(rig.deps.sessions);
      pub.pipe.sendAll([
        publishPacket('t/o', 'm1', 2, 1),
        publishPacket('t/o', 'm2', 1, 2),
        publishPacket('t/o', 'm3', 0),
        publishPacket('t/o', 'm4', 2, 3),
        publishPacket('t/o', 'm5', 1, 4),
      ]);
      await settle();
      assert.deepEqual(rig.broker.confirms.sent, [], 'no publish overtakes the pending record of m1');
      records.release();
      const got: string[] = [];
      for (let i = 0; i < 5; i++) {
        const p = await sub.pipe.next('publish');
        got.push(p.payload.toString());
        if (p.qos === 2) sub.pipe.send({ cmd: 'pubrec', messageId: p.messageId as number });
        if (p.qos === 1) sub.pipe.send({ cmd: 'puback', messageId: p.messageId as number });
      }
      assert.deepEqual(got, ['m1', 'm2', 'm3', 'm4', 'm5']);
      const acks: string[] = [];
      for (let i = 0; i < 4; i++) {
        const a = await pub.pipe.next(i % 2 === 0 ? 'pubrec' : 'puback');
        acks.push(`${a.cmd}:${a.messageId}`);
      }
      assert.deepEqual(acks, ['pubrec:1', 'puback:2', 'pubrec:3', 'puback:4']);
    });

    it('a record write failing past the failover window publishes nothing and closes the connection, so the client resends', async () => {
      const seen = await probe(rig, 't/f');
      const pub = await rig.connect('pub', persistent);
      let attempts = 0;
      rig.deps.sessions.recordInboundQos2 = () => {
        attempts++;
        return Promise.reject(new Error('Redis away'));
      };
      pub.pipe.sendAll([publishPacket('t/f', 'm1', 2, 1), publishPacket('t/f', 'm2', 1, 2)]);
      // A Redis failover is ridden through: the write is tried again until the window ends.
      await rig.clock.advance(rig.config.redisFailoverMs / 2);
      assert.equal(pub.connection.phase, 'open', 'still open within the failover window');
      await rig.clock.advance(rig.config.redisFailoverMs);
      await rig.closed(pub);
      assert.ok(attempts > 1, `tried ${attempts} times`);
      assert.deepEqual(seen.marks(), [], 'neither the QoS 2 message nor the one behind it');
      assert.deepEqual(pub.pipe.unread, []);
    });

    it('republishes a resend of an id restored as pending with the same token, flagged as a copy', async () => {
      const seen = await probe(rig, 't/r');
      await storedWith(rig, 'pub', [{ id: 5, token: 'tok-5', state: 'pending' }]);
      const pub = await rig.connect('pub', persistent);
      assert.equal(pub.connack.sessionPresent, true);
      pub.pipe.send({ ...publishPacket('t/r', 'm', 2, 5), dup: true });
      assert.equal((await pub.pipe.next('pubrec')).messageId, 5);
      assert.deepEqual(seen.marks(), [{ token: 'tok-5', resent: true }]);
      pub.pipe.send({ cmd: 'pubrel', messageId: 5 });
      await pub.pipe.next('pubcomp');
    });

    it('a PUBLISH without DUP on an id restored as pending is still a copy (mqtt.js resends without DUP) [MQTT-4.3.3-9]', async () => {
      const seen = await probe(rig, 't/n');
      await storedWith(rig, 'pub', [{ id: 5, token: 'tok-5', state: 'pending' }]);
      const pub = await rig.connect('pub', persistent);
      pub.pipe.send(publishPacket('t/n', 'm', 2, 5));
      await pub.pipe.next('pubrec');
      assert.deepEqual(seen.marks(), [{ token: 'tok-5', resent: true }]);
    });

    it('answers a resend of an id restored as received with PUBREC and does not publish it [MQTT-4.3.3-10]', async () => {
      const seen = await probe(rig, 't/d');
      await storedWith(rig, 'pub', [{ id: 6, token: 'tok-6', state: 'received' }]);
      const pub = await rig.connect('pub', persistent);
      pub.pipe.send({ ...publishPacket('t/d', 'm', 2, 6), dup: true });
      assert.equal((await pub.pipe.next('pubrec')).messageId, 6);
      await settle();
      assert.deepEqual(seen.marks(), []);
      assert.deepEqual(rig.broker.confirms.sent, []);
    });

    it('PUBREL of an id restored as pending is completed and frees the record', async () => {
      await storedWith(rig, 'pub', [{ id: 7, token: 'tok-7', state: 'pending' }]);
      const pub = await rig.connect('pub', { ...persistent, protocolVersion: 5 });
      pub.pipe.send({ cmd: 'pubrel', messageId: 7 });
      const c = await pub.pipe.next('pubcomp');
      assert.equal(c.reasonCode ?? 0, 0);
      await rig.hangUp(pub);
      await rig.closed(pub);
      const again = await rig.deps.sessions.claim('pub', { pod: 'x', connection: 'y' }, false);
      assert.deepEqual(again.inboundQos2, []);
    });
  });

  describe('subscriber side', () => {
    /** A subscriber that got one marked message, and a link to publish copies with. */
    async function delivered(
      mark: Qos2Mark,
      over: { clean?: boolean } = {},
    ): Promise<{
      sub: Awaited<ReturnType<SessionRig['connect']>>;
      link: FakeLink;
    }> {
      const sub = await rig.connect('sub', over);
      await rig.subscribe(sub, 't/s', 2);
      const link = await rig.broker.login({ user: 'guest', password: 'guest' } as never);
      await link.publish('t/s', Buffer.from('original'), 2, () => undefined, { mark });
      const p = await sub.pipe.next('publish');
      assert.equal(p.payload.toString(), 'original');
      sub.pipe.send({ cmd: 'pubrec', messageId: p.messageId as number });
      await sub.pipe.next('pubrel');
      return { sub, link };
    }

    /** A flagged copy of T1's message, then a new message. */
    async function copyThenNext(link: FakeLink): Promise<void> {
      await link.publish('t/s', Buffer.from('copy'), 2, () => undefined, {
        mark: { token: 'T1', resent: true },
      });
      await link.publish('t/s', Buffer.from('next'), 2, () => undefined, {
        mark: { token: 'T2', resent: false },
      });
    }

    const dropped = async (): Promise<number> =>
      (await rig.deps.metrics.qos2DuplicatesDropped.get()).values[0]?.value ?? 0;

    it('drops, and acks, a flagged copy of a message it delivered', async () => {
      const { sub, link } = await delivered({ token: 'T1', resent: false });
      await copyThenNext(link);
      assert.equal((await sub.pipe.next('publish')).payload.toString(), 'next');
      assert.equal(await dropped(), 1);
      assert.equal(rig.broker.leftovers().unacked, 1, 'only "next" awaits its PUBREC');
    });

    it('delivers a flagged copy whose token it has not seen (the original never reached RabbitMQ)', async () => {
      const { sub, link } = await delivered({ token: 'T1', resent: false });
      await link.publish('t/s', Buffer.from('copy'), 2, () => undefined, {
        mark: { token: 'T9', resent: true },
      });
      assert.equal((await sub.pipe.next('publish')).payload.toString(), 'copy');
      assert.equal(await dropped(), 0);
    });

    it('drops a flagged copy that reaches the session on its next connection (both moved in one failure)', async () => {
      const { sub, link } = await delivered({ token: 'T1', resent: false }, persistent);
      await rig.hangUp(sub);
      await rig.closed(sub);
      const back = await rig.connect('sub', persistent);
      await copyThenNext(link);
      assert.equal((await back.pipe.next('publish')).payload.toString(), 'next');
      assert.equal(await dropped(), 1);
    });

    it('delivers an unflagged message with a token it has seen', async () => {
      const { sub, link } = await delivered({ token: 'T1', resent: false });
      await link.publish('t/s', Buffer.from('again'), 2, () => undefined, {
        mark: { token: 'T1', resent: false },
      });
      assert.equal((await sub.pipe.next('publish')).payload.toString(), 'again');
      assert.equal(await dropped(), 0);
    });
  });

  describe('the memory of delivered tokens', () => {
    it('hands its newest tokens on, which the next memory starts from', () => {
      const recent = new RecentTokens(10);
      for (const t of ['a', 'b', 'c']) recent.duplicate('q/1', { token: t, resent: false });
      recent.duplicate('q/1', { token: 'd', resent: true });
      const handed = recent.newest(2);
      assert.deepEqual(handed, [
        { queue: 'q/1', token: 'c' },
        { queue: 'q/1', token: 'd', resent: true },
      ]);
      const next = new RecentTokens(10, handed);
      assert.equal(next.duplicate('q/1', { token: 'c', resent: true }), true);
      assert.equal(next.duplicate('q/1', { token: 'd', resent: false }), true);
      assert.equal(next.duplicate('q/1', { token: 'a', resent: true }), false, 'a was not handed on');
    });

    it('is bounded: the oldest token is forgotten first', () => {
      const recent = new RecentTokens(3);
      for (const t of ['a', 'b', 'c', 'd'])
        assert.equal(recent.duplicate('q', { token: t, resent: false }), false);
      assert.equal(recent.size, 3);
      assert.equal(recent.duplicate('q', { token: 'a', resent: true }), false, 'a was forgotten');
      assert.equal(recent.duplicate('q', { token: 'd', resent: true }), true);
    });

    it('tells queues apart, and takes an original arriving after its copy for a duplicate', () => {
      const recent = new RecentTokens(8);
      assert.equal(recent.duplicate('q1', { token: 'a', resent: false }), false);
      assert.equal(
        recent.duplicate('q2', { token: 'a', resent: true }),
        false,
        'another queue: its own copy',
      );
      assert.equal(recent.duplicate('q2', { token: 'a', resent: false }), true);
    });
  });
});
