import { strict as assert } from 'node:assert';
import type { IPublishPacket } from 'mqtt-packet';
import { RETAINED_PAGE } from '../../../adapter/src/session/retained-stream';
import { SessionRig, type Client } from '../../support/session-rig';

const settle = async (rounds = 10): Promise<void> => {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
};

/** Retained messages sent after SUBSCRIBE, as the window allows, on memory stores. */
describe('session core: retained messages streamed through the window', () => {
  let rig: SessionRig;
  let reads: number;
  // More than two pages, so a walk that went on would read again.
  const topics = Array.from({ length: 2 * RETAINED_PAGE + 50 }, (_, i) => `r/${i}`);

  beforeEach(async () => {
    rig = new SessionRig();
    reads = 0;
    const store = rig.stores.retained;
    const page = store.page.bind(store);
    store.page = (...args) => {
      reads++;
      return page(...args);
    };
    for (const topic of topics) await store.set({ topic, payload: Buffer.from(topic), qos: 1 });
  });

  const connect = (id: string, receiveMaximum: number): Promise<Client> =>
    rig.connect(id, { protocolVersion: 5, properties: { receiveMaximum } });

  /** Takes `n` PUBLISHes, acking each as it comes unless told not to. */
  const take = async (c: Client, n: number, ack = true): Promise<IPublishPacket[]> => {
    const got: IPublishPacket[] = [];
    for (let i = 0; i < n; i++) {
      const p = await c.pipe.next('publish');
      got.push(p);
      if (ack) c.pipe.send({ cmd: 'puback', messageId: p.messageId as number });
    }
    return got;
  };

  it('holds to the Receive Maximum and sends the rest as PUBACKs come', async () => {
    const c = await connect('w', 3);
    await rig.subscribe(c, 'r/#', 1);
    const first = await take(c, 3, false);
    await settle();
    assert.deepEqual(c.pipe.unread, [], 'nothing beyond the window');
    for (const p of first) c.pipe.send({ cmd: 'puback', messageId: p.messageId as number });
    const rest = await take(c, topics.length - 3);
    assert.deepEqual([...first, ...rest].map((p) => p.topic).sort(), [...topics].sort());
    assert.ok([...first, ...rest].every((p) => p.retain));
  });

  it('a second SUBSCRIBE to a filter still streaming starts it afresh', async () => {
    const c = await connect('again', 2);
    await rig.subscribe(c, 'r/#', 1);
    const first = await take(c, 2, false);
    c.pipe.send({
      cmd: 'subscribe',
      messageId: 2,
      subscriptions: [{ topic: 'r/#', qos: 1 }],
      properties: { subscriptionIdentifier: 9 },
    });
    await c.pipe.next('suback');
    for (const p of first) c.pipe.send({ cmd: 'puback', messageId: p.messageId as number });
    const again = await take(c, topics.length);
    assert.deepEqual(again.map((p) => p.topic).sort(), [...topics].sort(), 'all of them, once, anew');
    assert.ok(
      again.every((p) => p.properties?.subscriptionIdentifier === 9),
      'with the new options',
    );
    await settle();
    assert.deepEqual(c.pipe.unread, []);
  });

  it('QoS 0 ones wait while the socket is congested, and none is dropped', async () => {
    // About 2 MB in all, well past the congestion mark of the connection's write buffer.
    const big = Buffer.alloc(1024, 'x');
    const many = Array.from({ length: 2000 }, (_, i) => `big/${i}`);
    for (const topic of many) await rig.stores.retained.set({ topic, payload: big, qos: 0 });
    const c = await connect('slow', 10);
    const readsBefore = reads;
    c.pipe.stall(true);
    c.pipe.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'big/#', qos: 0 }] });
    await settle(50);
    const whileStalled = reads - readsBefore;
    assert.ok(whileStalled < many.length / RETAINED_PAGE / 2, `${whileStalled} pages read while stalled`);
    c.pipe.stall(false);
    await c.pipe.next('suback');
    const got: string[] = [];
    for (let i = 0; i < many.length; i++) got.push((await c.pipe.next('publish')).topic);
    assert.deepEqual([...got].sort(), [...many].sort(), 'each once');
  });

  // The close waits for the stream to end (with a deadline this clock never reaches): a stream left
  // waiting for PUBACKs that cannot come would hold the close, and this test, forever.
  it('a client that hangs up with its window full stops the stream and its reads', async () => {
    const c = await connect('gone', 2);
    await rig.subscribe(c, 'r/#', 1);
    await take(c, 2, false);
    const before = reads;
    await rig.hangUp(c);
    await rig.closed(c);
    await settle();
    assert.equal(reads, before, 'no page read after the hang-up');
  });
});
