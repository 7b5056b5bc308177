import { strict as assert } from 'node:assert';
import type { IPublishPacket } from 'mqtt-packet';
import type { FakeLink } from '../../support/fake-broker/link';
import { SessionRig, publishPacket, type Client } from '../../support/session-rig';

const turns = async (n = 10): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

async function take(c: Client, n: number): Promise<IPublishPacket[]> {
  const out: IPublishPacket[] = [];
  for (let i = 0; i < n; i++) out.push(await c.pipe.next('publish'));
  return out;
}

/**
 * RabbitMQ closed the channel a client's consumers were on (over another
 * client's refused consume), and they consume again on a new one: what the
 * client had unacked comes back redelivered. The client neither loses a
 * message nor gets one twice.
 */
describe('consumers moved to a new channel', () => {
  let rig: SessionRig;
  beforeEach(() => (rig = new SessionRig()));

  async function subscriber(qos: 1 | 2, over = {}): Promise<{ sub: Client; link: FakeLink; pub: Client }> {
    const sub = await rig.connect('s', { username: 'subuser', ...over });
    await rig.subscribe(sub, 't/x', qos);
    const link = [...rig.broker.links].find((l) => l.user === 'subuser');
    assert.ok(link);
    const pub = await rig.connect('p');
    return { sub, link, pub };
  }

  async function publish(pub: Client, payloads: string[], qos: 1 | 2 = 1): Promise<void> {
    for (const [i, payload] of payloads.entries()) {
      pub.pipe.send(publishPacket('t/x', payload, qos, 100 + i));
      if (qos === 1) await pub.pipe.next('puback');
      else {
        await pub.pipe.next('pubrec');
        pub.pipe.send({ cmd: 'pubrel', messageId: 100 + i });
        await pub.pipe.next('pubcomp');
      }
    }
  }

  it('QoS 1: one in flight is not sent again, one acked with its ack lost is dropped, and both end acked', async () => {
    const { sub, link, pub } = await subscriber(1);
    await publish(pub, ['m1', 'm2']);
    const [p1, p2] = await take(sub, 2);
    // m1's ack is sent as RabbitMQ closes the channel, and lost with it.
    const ack = link.ack.bind(link);
    link.ack = () => undefined;
    sub.pipe.send({ cmd: 'puback', messageId: p1.messageId as number });
    await turns();
    link.ack = ack;
    await link.moveConsumers();
    await turns();
    assert.equal(link.unacked.size, 1, "m1 came back and was acked at once, m2's redelivery is held");
    assert.deepEqual(sub.pipe.unread, [], 'nothing went out again');
    sub.pipe.send({ cmd: 'puback', messageId: p2.messageId as number });
    await turns();
    assert.equal(link.unacked.size, 0, "m2's PUBACK acked its redelivery");
    await publish(pub, ['m3']);
    assert.deepEqual(
      (await take(sub, 1)).map((p) => p.payload.toString()),
      ['m3'],
    );
  });

  it('QoS 1: a PUBACK that comes after the move and before the redelivery acks the redelivery', async () => {
    const { sub, link, pub } = await subscriber(1);
    await publish(pub, ['m1']);
    const [p1] = await take(sub, 1);
    // The queue hands the message back only after the PUBACK is in.
    await link.moveConsumers(async () => {
      sub.pipe.send({ cmd: 'puback', messageId: p1.messageId as number });
      await turns();
    });
    await turns();
    assert.equal(link.unacked.size, 0, 'the redelivery is acked as it comes');
    assert.deepEqual(sub.pipe.unread, []);
  });

  it("QoS 1: a second move before the first one's messages are back still recognises them", async () => {
    const { sub, link, pub } = await subscriber(1);
    await publish(pub, ['m1']);
    const [p1] = await take(sub, 1);
    await link.moveConsumers(() => link.moveConsumers());
    await turns();
    assert.deepEqual(sub.pipe.unread, [], 'not sent again');
    sub.pipe.send({ cmd: 'puback', messageId: p1.messageId as number });
    await turns();
    assert.equal(link.unacked.size, 0, "the PUBACK acks m1's redelivery");
  });

  it('QoS 2: a message awaiting PUBREC is not sent again, and PUBREC acks its redelivery', async () => {
    const { sub, link, pub } = await subscriber(2, { clean: false });
    await publish(pub, ['m1'], 2);
    const [p1] = await take(sub, 1);
    await link.moveConsumers();
    await turns();
    assert.deepEqual(sub.pipe.unread, [], 'not sent again');
    sub.pipe.send({ cmd: 'pubrec', messageId: p1.messageId as number });
    assert.equal((await sub.pipe.next('pubrel')).messageId, p1.messageId);
    await turns();
    assert.equal(link.unacked.size, 0, 'acked once the PUBREL is stored');
  });

  it('messages held back for the Receive Maximum go out as they come back, once each', async () => {
    const { sub, link, pub } = await subscriber(1, { protocolVersion: 5, properties: { receiveMaximum: 1 } });
    await publish(pub, ['m1', 'm2', 'm3']);
    const [p1] = await take(sub, 1);
    await turns();
    assert.deepEqual(sub.pipe.unread, [], 'm2 and m3 wait for room');
    await link.moveConsumers();
    await turns();
    const got = ['m1'];
    let last = p1;
    for (let i = 0; i < 2; i++) {
      sub.pipe.send({ cmd: 'puback', messageId: last.messageId as number });
      [last] = await take(sub, 1);
      got.push(last.payload.toString());
    }
    sub.pipe.send({ cmd: 'puback', messageId: last.messageId as number });
    await turns();
    assert.deepEqual(got, ['m1', 'm2', 'm3']);
    assert.deepEqual(sub.pipe.unread, []);
    assert.equal(link.unacked.size, 0);
  });

  for (const answered of [false, true]) {
    it(`QoS 2: a live consumer given a message again (a quorum queue failing over) does not send it twice (${answered ? 'after' : 'before'} PUBREC)`, async () => {
      const { sub, link, pub } = await subscriber(2, { clean: false });
      // A persistent publisher's QoS 2 messages carry a token.
      const ppub = await rig.connect('pp', { clean: false });
      await publish(ppub, ['m1'], 2);
      const [p1] = await take(sub, 1);
      const ack = link.ack.bind(link);
      // The ack goes to a leader that dies: RabbitMQ hands the message out again on the same consumer.
      link.ack = () => undefined;
      if (answered) {
        sub.pipe.send({ cmd: 'pubrec', messageId: p1.messageId as number });
        await sub.pipe.next('pubrel');
      }
      link.ack = ack;
      const [u] = [...link.unacked.values()];
      link.unacked.clear();
      u.consumer.unacked--;
      u.consumer.queue.requeue([u.message]);
      await turns();
      assert.deepEqual(sub.pipe.unread, [], 'not sent again');
      if (!answered) {
        sub.pipe.send({ cmd: 'pubrec', messageId: p1.messageId as number });
        await sub.pipe.next('pubrel');
        await turns();
      }
      assert.equal(link.unacked.size, 0, 'the redelivery is acked');
      await publish(pub, ['m2'], 2);
      assert.deepEqual(
        (await take(sub, 1)).map((p) => p.payload.toString()),
        ['m2'],
      );
    });
  }
});
