import { strict as assert } from 'node:assert';
import type { IConnectPacket, ISubscription } from 'mqtt-packet';
import { SessionRig, publishPacket, type Client } from '../../support/session-rig';

/** Lets pending I/O and promise reactions run (the fake answers asynchronously). */
const settle = async (rounds = 5): Promise<void> => {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
};

const v5: Partial<IConnectPacket> = { protocolVersion: 5 };
const persistentV5: Partial<IConnectPacket> = {
  protocolVersion: 5,
  clean: false,
  properties: { sessionExpiryInterval: 600 },
};

async function subscribeAll(c: Client, filters: readonly string[], messageId: number): Promise<number[]> {
  const subscriptions: ISubscription[] = filters.map((topic) => ({ topic, qos: 1 }));
  c.pipe.send({ cmd: 'subscribe', messageId, subscriptions });
  return (await c.pipe.next('suback')).granted as number[];
}

async function quotaRefusals(rig: SessionRig): Promise<number> {
  const m = await rig.deps.metrics.subscriptionsRefused.get();
  return m.values.find((v) => v.labels.reason === 'quota')?.value ?? 0;
}

/** The routing keys bound for any queue or the fast path. */
const boundKeys = (rig: SessionRig): string[] =>
  rig.broker.leftovers().bindings.map((b) => b.split(' <- ')[1]);

describe('session core on the fake broker: per-client caps', () => {
  describe('subscriptions per client (MQTT_ADAPTER_MAX_SUBSCRIPTIONS_PER_CLIENT=2)', () => {
    let rig: SessionRig;
    beforeEach(() => (rig = new SessionRig({ MQTT_ADAPTER_MAX_SUBSCRIPTIONS_PER_CLIENT: '2' })));

    it('v5: the filter past the cap is refused with 0x97, the others granted, nothing bound for it', async () => {
      const c = await rig.connect('caps', v5);
      assert.deepEqual(await subscribeAll(c, ['cap/a', 'cap/b', 'cap/c'], 1), [1, 1, 0x97]);
      assert.deepEqual(boundKeys(rig).sort(), ['cap.a', 'cap.b']);
      assert.equal(await quotaRefusals(rig), 1);
    });

    it('v3.1.1: the filter past the cap is refused with 0x80', async () => {
      const c = await rig.connect('caps3');
      assert.deepEqual(await subscribeAll(c, ['cap/a', 'cap/b'], 1), [1, 1]);
      assert.deepEqual(await subscribeAll(c, ['cap/c'], 2), [0x80]);
      assert.equal(boundKeys(rig).includes('cap.c'), false);
    });

    it('a clean QoS 0 filter past the cap gets no fast-path binding', async () => {
      const c = await rig.connect('fast', v5);
      assert.deepEqual(await rig.subscribe(c, 'f/a', 0, 1), [0]);
      assert.deepEqual(await rig.subscribe(c, 'f/b', 0, 2), [0]);
      assert.deepEqual(await rig.subscribe(c, 'f/c', 0, 3), [0x97]);
      assert.deepEqual(boundKeys(rig).sort(), ['f.a', 'f.b']);
    });

    it('re-subscribing to a held filter at the cap is granted and counts once', async () => {
      const c = await rig.connect('again', v5);
      assert.deepEqual(await subscribeAll(c, ['r/a', 'r/b'], 1), [1, 1]);
      c.pipe.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'r/a', qos: 2 }] });
      assert.deepEqual((await c.pipe.next('suback')).granted, [2]);
      assert.deepEqual(await subscribeAll(c, ['r/b', 'r/a', 'r/c'], 3), [1, 1, 0x97]);
      assert.equal(await quotaRefusals(rig), 1);
    });

    it('an invalid filter past the cap is refused as invalid (0x8F), not as over quota', async () => {
      const c = await rig.connect('bad', v5);
      assert.deepEqual(await subscribeAll(c, ['i/a', 'i/b', 'i/#/x'], 1), [1, 1, 0x8f]);
      assert.equal(await quotaRefusals(rig), 0);
    });

    it('unsubscribing frees room', async () => {
      const c = await rig.connect('free', v5);
      assert.deepEqual(await subscribeAll(c, ['u/a', 'u/b', 'u/c'], 1), [1, 1, 0x97]);
      c.pipe.send({ cmd: 'unsubscribe', messageId: 2, unsubscriptions: ['u/a'] });
      await c.pipe.next('unsuback');
      assert.deepEqual(await subscribeAll(c, ['u/c', 'u/d'], 3), [1, 0x97]);
      assert.deepEqual(boundKeys(rig).sort(), ['u.b', 'u.c']);
    });

    it('a persistent session resumed at the cap still refuses the next filter', async () => {
      const first = await rig.connect('keep', persistentV5);
      assert.deepEqual(await subscribeAll(first, ['p/a', 'p/b'], 1), [1, 1]);
      first.pipe.send({ cmd: 'disconnect' });
      await rig.closed(first);
      const again = await rig.connect('keep', persistentV5);
      assert.equal(again.connack.sessionPresent, true);
      assert.deepEqual(await subscribeAll(again, ['p/c'], 2), [0x97]);
      assert.deepEqual(await subscribeAll(again, ['p/a'], 3), [1], 'a restored filter is still held');
      assert.deepEqual(boundKeys(rig).sort(), ['p.a', 'p.b']);
    });

    it('shared subscriptions count too', async () => {
      const c = await rig.connect('share', v5);
      assert.deepEqual(await subscribeAll(c, ['$share/g/s/a', 's/b', '$share/g/s/c'], 1), [1, 1, 0x97]);
      assert.equal(boundKeys(rig).includes('s.c'), false);
    });
  });

  describe('inbound QoS 2 ids awaiting PUBREL', () => {
    /** Sends `n` QoS 2 PUBLISHes (ids from `from`) and takes their PUBRECs; no PUBREL. */
    async function unreleased(c: Client, from: number, n: number): Promise<void> {
      for (let id = from; id < from + n; id++) c.pipe.send(publishPacket('q2/t', `m${id}`, 2, id));
      for (let i = 0; i < n; i++) await c.pipe.next('pubrec');
    }

    it('3.1.1: a new QoS 2 PUBLISH past MQTT_ADAPTER_MAX_INFLIGHT_QOS2 closes the connection, unpublished', async () => {
      const rig = new SessionRig({ MQTT_ADAPTER_MAX_INFLIGHT_QOS2: '3' });
      const sub = await rig.connect('q2sub');
      await rig.subscribe(sub, 'q2/t', 2);
      const c = await rig.connect('q2v3');
      await unreleased(c, 1, 3);
      c.pipe.send(publishPacket('q2/t', 'over', 2, 4));
      await rig.closed(c);
      assert.deepEqual(c.pipe.unread, [], 'no PUBREC and no DISCONNECT for a 3.x client');
      const got: string[] = [];
      for (let i = 0; i < 3; i++) got.push((await sub.pipe.next('publish')).payload.toString());
      await settle();
      assert.deepEqual(got, ['m1', 'm2', 'm3']);
      assert.deepEqual(sub.pipe.unread, [], 'the refused message was not published');
      const m = await rig.deps.metrics.protocolErrors.get();
      assert.equal(m.values.find((v) => v.labels.kind === 'receive-maximum')?.value, 1);
    });

    it('3.1.1: a PUBREL makes room, a retransmission takes none, QoS 1 is not capped', async () => {
      const rig = new SessionRig({ MQTT_ADAPTER_MAX_INFLIGHT_QOS2: '2' });
      const c = await rig.connect('q2room');
      await unreleased(c, 1, 2);
      c.pipe.send({ ...publishPacket('q2/t', 'm1', 2, 1), dup: true });
      assert.equal((await c.pipe.next('pubrec')).messageId, 1);
      c.pipe.send(publishPacket('q2/t', 'q1', 1, 9));
      assert.equal((await c.pipe.next('puback')).messageId, 9);
      c.pipe.send({ cmd: 'pubrel', messageId: 1 });
      await c.pipe.next('pubcomp');
      await unreleased(c, 3, 1);
      assert.equal(c.connection.phase, 'open');
    });

    it('3.1.1: a resumed session holding the cap of unreleased ids refuses the next one', async () => {
      const rig = new SessionRig({ MQTT_ADAPTER_MAX_INFLIGHT_QOS2: '2' });
      const first = await rig.connect('q2keep', { clean: false });
      await unreleased(first, 1, 2);
      await rig.hangUp(first);
      await rig.closed(first);
      const again = await rig.connect('q2keep', { clean: false });
      assert.equal(again.connack.sessionPresent, true);
      again.pipe.send(publishPacket('q2/t', 'over', 2, 3));
      await rig.closed(again);
      assert.deepEqual(again.pipe.unread, []);
    });

    it('3.1.1: at the cap, a DUP resend of an id restored as pending is published; a new id closes the connection', async () => {
      const rig = new SessionRig({ MQTT_ADAPTER_MAX_INFLIGHT_QOS2: '2' });
      // As a replica killed between its record and the confirm leaves the session.
      const { sessions } = rig.deps;
      const { epoch } = await sessions.claim('q2pend', { pod: 'dead', connection: 'x' }, true);
      await sessions.save('q2pend', epoch, { protocolVersion: 4, expirySeconds: 3600, subscriptions: [] });
      for (const id of [5, 6])
        await sessions.recordInboundQos2('q2pend', epoch, id, { token: `t${id}`, state: 'pending' });
      const c = await rig.connect('q2pend', { clean: false });
      assert.equal(c.connack.sessionPresent, true);
      c.pipe.send({ ...publishPacket('q2/t', 'again', 2, 5), dup: true });
      assert.equal((await c.pipe.next('pubrec')).messageId, 5);
      c.pipe.send(publishPacket('q2/t', 'over', 2, 7));
      await rig.closed(c);
      assert.deepEqual(c.pipe.unread, []);
    });

    it('v5: ids awaiting PUBREL count against our Receive Maximum; one more is DISCONNECT 0x93', async () => {
      const rig = new SessionRig();
      const c = await rig.connect('q2v5', v5);
      const window = c.connack.properties?.receiveMaximum as number;
      assert.equal(window, 8);
      await unreleased(c, 1, window);
      c.pipe.send(publishPacket('q2/t', 'over', 1, 100));
      const d = await c.pipe.next('disconnect');
      assert.equal(d.reasonCode, 0x93);
      await rig.closed(c);
      assert.deepEqual(c.pipe.unread, [], 'no PUBACK for the PUBLISH over the window');
    });

    it('v5: a PUBREL (PUBCOMP sent) frees its place in the Receive Maximum', async () => {
      const rig = new SessionRig();
      const c = await rig.connect('q2v5room', v5);
      await unreleased(c, 1, 8);
      c.pipe.send({ cmd: 'pubrel', messageId: 4 });
      await c.pipe.next('pubcomp');
      c.pipe.send(publishPacket('q2/t', 'fits', 1, 100));
      assert.equal((await c.pipe.next('puback')).messageId, 100);
    });
  });

  describe('outbound in flight', () => {
    it('3.1.1: QoS 2 deliveries awaiting PUBCOMP stay within the window, as the client has no Receive Maximum', async () => {
      const rig = new SessionRig();
      const sub = await rig.connect('slow', { clean: false });
      await rig.subscribe(sub, 'o/t', 2);
      const pub = await rig.connect('opub');
      for (let i = 1; i <= 12; i++) {
        pub.pipe.send(publishPacket('o/t', `m${i}`, 2, i));
        await pub.pipe.next('pubrec');
        pub.pipe.send({ cmd: 'pubrel', messageId: i });
        await pub.pipe.next('pubcomp');
      }
      const ids: number[] = [];
      for (let i = 0; i < 8; i++) {
        const p = await sub.pipe.next('publish');
        ids.push(p.messageId as number);
        sub.pipe.send({ cmd: 'pubrec', messageId: p.messageId as number });
        await sub.pipe.next('pubrel');
      }
      await settle(20);
      assert.deepEqual(sub.pipe.unread, [], 'nothing past the window of 8 while no PUBCOMP came');
      sub.pipe.send({ cmd: 'pubcomp', messageId: ids[0] });
      assert.equal((await sub.pipe.next('publish')).payload.toString(), 'm9');
    });
  });
});
