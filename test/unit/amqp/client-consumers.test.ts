import { strict as assert } from 'node:assert';
import { ClientConsumers } from '../../../adapter/src/amqp/client-consumers';
import type { ConsumerChannels } from '../../../adapter/src/amqp/consumer-channels';
import type { Delivery } from '../../../adapter/src/amqp/message';
import { fakeConsumerChannels, type FakeChannel } from '../../support/fake-amqp-channel';

const turns = async (n = 10): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe("a client's consumers on a shared channel RabbitMQ closes", () => {
  let opened: FakeChannel[];
  let channels: ConsumerChannels;
  beforeEach(() => ({ channels, opened } = fakeConsumerChannels(100)));

  function client(): { c: ClientConsumers; got: Delivery[]; moved: number; lost: (Error | undefined)[] } {
    const c = new ClientConsumers(channels, () => Promise.resolve(), 1000);
    const r = { c, got: [] as Delivery[], moved: 0, lost: [] as (Error | undefined)[] };
    c.onMoved = () => r.moved++;
    c.onLost = (err) => r.lost.push(err);
    return r;
  }

  it("move to a new channel when it is closed over another client's refused consume", async () => {
    const a = client();
    await a.c.consume('qa', 10, (d) => a.got.push(d));
    opened[0].deliver('before');
    const b = client();
    opened[0].refuse = 405;
    await assert.rejects(
      b.c.consume('qb', 10, () => undefined),
      /405/,
    );
    await turns();
    assert.equal(a.moved, 1);
    assert.deepEqual(a.lost, []);
    assert.equal(opened.length, 2, 'a new shared channel');
    assert.equal(opened[1].consumers.size, 1, 'qa consumes on it');
    assert.equal(a.c.consuming, true);
    // The tag of the old channel's delivery acks nothing on the new one, whose own tags start at 1 again.
    a.c.ack(a.got[0].deliveryTag);
    assert.deepEqual(opened[1].acked, []);
    opened[1].deliver('after');
    a.c.ack(a.got[1].deliveryTag);
    assert.deepEqual(opened[1].acked, [1]);
    assert.notEqual(a.got[1].deliveryTag, a.got[0].deliveryTag);
  });

  it('are lost with the connection, and are not moved', async () => {
    const a = client();
    await a.c.consume('qa', 10, () => undefined);
    opened[0].serverClose();
    await turns();
    assert.equal(a.moved, 0);
    assert.equal(a.lost.length, 1);
    assert.equal(opened.length, 1, 'no channel opened');
  });

  it('are lost when one queue cannot be consumed again, and the close cancels those that moved', async () => {
    let deleted = false;
    const c = new ClientConsumers(
      channels,
      (q) =>
        q === 'gone' && deleted
          ? Promise.reject(Object.assign(new Error('404 NOT_FOUND'), { code: 404 }))
          : Promise.resolve(),
      1000,
    );
    const lost: unknown[] = [];
    c.onLost = (err) => lost.push(err);
    await c.consume('stays', 10, () => undefined);
    await c.consume('gone', 10, () => undefined);
    deleted = true;
    opened[0].refuse = 405;
    await assert.rejects(
      client().c.consume('qb', 10, () => undefined),
      /405/,
    );
    await turns();
    assert.equal(lost.length, 1);
    assert.match(String(lost[0]), /404/);
    assert.equal(opened[1].consumers.size, 1, "'stays' moved");
    await c.close();
    assert.equal(opened[1].consumers.size, 0, 'the close cancels it on the new channel');
  });

  it('close at the deadline when RabbitMQ answers no cancel, keep the shared channel, and give the deliveries back once it does', async () => {
    const c = new ClientConsumers(channels, () => Promise.resolve(), 30);
    await c.consume('qa', 10, () => undefined);
    const other = client();
    await other.c.consume('qb', 10, () => undefined);
    opened[0].deliver('held');
    opened[0].stallCancels = true;
    const started = Date.now();
    await c.close();
    assert.ok(Date.now() - started >= 25, 'waited for the cancel until the deadline');
    // Other clients consume on it: the channel stays open, and nothing is given back while the consumer may still deliver.
    assert.equal(opened[0].closes, 0);
    assert.deepEqual(opened[0].nacked, []);
    opened[0].answerCancels();
    await turns();
    assert.deepEqual(opened[0].nacked, [1]);
    assert.equal(opened[0].consumers.size, 1, "the other client's consumer stays");
  });

  it('give back what a consume started after the close gave up waiting for it got, and leave the channel', async () => {
    let probed!: () => void;
    const c = new ClientConsumers(channels, () => new Promise<void>((r) => (probed = r)), 30);
    const consumed = c.consume('qa', 10, () => undefined);
    await turns();
    // RabbitMQ answers the probe past the close's wait for it.
    await c.close();
    const other = client();
    await other.c.consume('qb', 10, () => undefined);
    opened[0].stallCancels = true;
    probed();
    await turns();
    assert.equal(opened[0].consumers.size, 2, 'the late consume started');
    opened[0].deliver('late');
    opened[0].answerCancels();
    await consumed;
    await turns();
    assert.deepEqual(opened[0].nacked, [1], 'its delivery went back to the queue');
    assert.equal(opened[0].consumers.size, 1, "only the other client's consumer is left");
    const shared = await channels.join(other.c);
    assert.deepEqual([...shared.hosts], [other.c], 'the closed client left the channel');
  });
});
