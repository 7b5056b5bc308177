import { strict as assert } from 'node:assert';
import { BrokerError } from '../../../adapter/src/ports/broker';
import { SessionRig, publishPacket } from '../../support/session-rig';

/** Lets pending I/O and promise reactions run (the fake answers asynchronously). */
const settle = async (rounds = 5): Promise<void> => {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
};

describe('session core on the fake broker: QoS flows', () => {
  let rig: SessionRig;
  beforeEach(() => (rig = new SessionRig()));

  describe('inbound, client to broker', () => {
    const cases = [
      { qos: 1, ack: 'puback', v: 4 },
      { qos: 2, ack: 'pubrec', v: 4 },
      { qos: 1, ack: 'puback', v: 5 },
      { qos: 2, ack: 'pubrec', v: 5 },
    ] as const;
    for (const { qos, ack, v } of cases) {
      it(`v${v} QoS ${qos}: ${ack.toUpperCase()} only after the confirm [MQTT-4.3.3-8]`, async () => {
        const sub = await rig.connect('sub');
        await rig.subscribe(sub, 't/x', 2);
        const pub = await rig.connect('pub', { protocolVersion: v });
        rig.broker.confirms.hold();
        pub.pipe.send(publishPacket('t/x', 'one', qos, 7));
        await rig.broker.confirms.waitHeld(1);
        await settle();
        assert.deepEqual(pub.pipe.unread, [], 'no ack before the confirm');
        rig.broker.confirms.release();
        const a = await pub.pipe.next(ack);
        assert.equal(a.messageId, 7);
        const got = await sub.pipe.next('publish');
        assert.equal(got.payload.toString(), 'one');
        if (qos === 2) {
          pub.pipe.send({ cmd: 'pubrel', messageId: 7 });
          assert.equal((await pub.pipe.next('pubcomp')).messageId, 7);
        }
      });
    }

    it('PUBACKs keep the order of the PUBLISHes although confirms come in one batch [MQTT-4.6.0-2]', async () => {
      const pub = await rig.connect('pub');
      rig.broker.confirms.hold();
      for (let id = 1; id <= 5; id++) pub.pipe.send(publishPacket('t/o', `m${id}`, 1, id));
      await rig.broker.confirms.waitHeld(5);
      rig.broker.confirms.release();
      const ids: number[] = [];
      for (let i = 0; i < 5; i++) ids.push((await pub.pipe.next('puback')).messageId as number);
      assert.deepEqual(ids, [1, 2, 3, 4, 5]);
    });

    const refusals = [
      { kind: 'nacked', code: undefined, reason: 0x97 },
      { kind: 'access-refused', code: 403, reason: 0x87 },
      { kind: 'refused', code: 406, reason: 0x80 },
    ] as const;
    for (const { kind, code, reason } of refusals) {
      it(`v5: a ${kind} publish is answered with 0x${reason.toString(16)} and the connection stays`, async () => {
        const pub = await rig.connect('pub', { protocolVersion: 5 });
        rig.broker.confirms.hold();
        pub.pipe.send(publishPacket('t/r', 'x', 1, 3));
        await rig.broker.confirms.waitHeld(1);
        rig.broker.confirms.fail(new BrokerError(kind, `refused (${kind})`, code));
        const a = await pub.pipe.next('puback');
        assert.equal(a.reasonCode, reason);
        pub.pipe.send({ cmd: 'pingreq' });
        await pub.pipe.next('pingresp');
      });
    }

    it('v3: a refused QoS 1 publish closes the connection (no failure PUBACK exists)', async () => {
      const pub = await rig.connect('pub');
      rig.broker.confirms.hold();
      pub.pipe.send(publishPacket('t/r', 'x', 1, 3));
      await rig.broker.confirms.waitHeld(1);
      rig.broker.confirms.fail(new BrokerError('nacked', 'message nacked'));
      await rig.closed(pub);
      assert.deepEqual(pub.pipe.unread, []);
    });

    it('v5 QoS 2: a retransmission before PUBREL is answered and not published twice [MQTT-4.3.3-10]', async () => {
      const sub = await rig.connect('sub');
      await rig.subscribe(sub, 't/q2', 2);
      const pub = await rig.connect('pub', { protocolVersion: 5 });
      pub.pipe.send(publishPacket('t/q2', 'once', 2, 9));
      await pub.pipe.next('pubrec');
      pub.pipe.send({ ...publishPacket('t/q2', 'once', 2, 9), dup: true });
      await pub.pipe.next('pubrec');
      pub.pipe.send({ cmd: 'pubrel', messageId: 9 });
      await pub.pipe.next('pubcomp');
      await sub.pipe.next('publish');
      sub.pipe.send({ cmd: 'pingreq' });
      await sub.pipe.next('pingresp');
      await settle();
      assert.equal(rig.broker.confirms.sent.filter((o) => o === 'publish').length, 1);
      assert.deepEqual(sub.pipe.unread, []);
    });
  });

  describe('outbound, broker to client', () => {
    it('QoS 1: the delivery is acked only on PUBACK', async () => {
      const sub = await rig.connect('sub');
      await rig.subscribe(sub, 't/a', 1);
      const pub = await rig.connect('pub');
      pub.pipe.send(publishPacket('t/a', 'm', 1, 1));
      await pub.pipe.next('puback');
      const p = await sub.pipe.next('publish');
      assert.equal(p.qos, 1);
      const link = [...rig.broker.links].find((l) => l.credentials && l.consumers.size > 0);
      assert.equal(link?.unacked.size, 1, 'unacked until PUBACK');
      sub.pipe.send({ cmd: 'puback', messageId: p.messageId as number });
      await settle();
      assert.equal(link?.unacked.size, 0);
    });

    it('QoS 2: acked on PUBREC, then PUBREL and PUBCOMP', async () => {
      const sub = await rig.connect('sub');
      await rig.subscribe(sub, 't/b', 2);
      const pub = await rig.connect('pub');
      pub.pipe.send(publishPacket('t/b', 'm', 2, 1));
      await pub.pipe.next('pubrec');
      const p = await sub.pipe.next('publish');
      assert.equal(p.qos, 2);
      const id = p.messageId as number;
      sub.pipe.send({ cmd: 'pubrec', messageId: id });
      assert.equal((await sub.pipe.next('pubrel')).messageId, id);
      assert.equal(rig.broker.leftovers().unacked, 0, 'acked on PUBREC');
      sub.pipe.send({ cmd: 'pubcomp', messageId: id });
      sub.pipe.send({ cmd: 'pingreq' });
      await sub.pipe.next('pingresp');
    });

    it('QoS 0 on the fast path: no queue for a clean session', async () => {
      const sub = await rig.connect('sub');
      await rig.subscribe(sub, 'f/+', 0);
      assert.deepEqual(rig.broker.leftovers().queues, []);
      const pub = await rig.connect('pub');
      pub.pipe.send(publishPacket('f/1', 'fast', 0));
      assert.equal((await sub.pipe.next('publish')).payload.toString(), 'fast');
    });
  });
});
