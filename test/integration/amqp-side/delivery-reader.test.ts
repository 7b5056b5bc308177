import assert from 'node:assert/strict';
import * as amqp from 'amqplib';
import { DeliveryReader } from '../../../adapter/src/amqp/delivery-reader';
import { publishOptions, toDelivery } from '../../../adapter/src/amqp/message';
import { uniqueId } from '../helpers/adapter';

const URL = 'amqp://guest:guest@127.0.0.1:5672';

/**
 * The delivery reader leans on amqplib 2.x internals (its connection's frame
 * parsing, a channel's delivery event and error close). Against a real
 * RabbitMQ, these fail loudly when an amqplib upgrade changes them, rather
 * than the adapter quietly leaving every delivery to amqplib.
 */
describe("amqp-side: deliveries decoded by the adapter's reader", function () {
  let ours: amqp.ChannelModel;
  let theirs: amqp.ChannelModel;

  beforeEach(async () => {
    ours = await amqp.connect(URL);
    theirs = await amqp.connect(URL);
  });

  afterEach(async () => {
    await Promise.all([ours.close().catch(() => undefined), theirs.close().catch(() => undefined)]);
  });

  it('finds the amqplib internals it relies on', async () => {
    assert.ok(DeliveryReader.install(ours), 'amqplib internals changed: no connection of the 2.x shape');
    const ch = await ours.createChannel();
    assert.ok(DeliveryReader.take(ch), 'amqplib internals changed: no channel of the 2.x shape');
  });

  it('hands consumers what amqplib does, for plain, optioned, empty and multi-frame messages', async () => {
    assert.ok(DeliveryReader.install(ours));
    const [a, b] = await Promise.all([ours.createChannel(), theirs.createChannel()]);
    assert.ok(DeliveryReader.take(a));
    const q = uniqueId('reader');
    // One queue each, bound to one exchange: both get the same messages from RabbitMQ.
    const ex = uniqueId('reader-x');
    await a.assertExchange(ex, 'fanout', { autoDelete: true, durable: false });
    await a.assertQueue(`${q}-a`, { exclusive: true });
    await b.assertQueue(`${q}-b`, { exclusive: true });
    await a.bindQueue(`${q}-a`, ex, '');
    await b.bindQueue(`${q}-b`, ex, '');
    const sent: { body: Buffer; options: amqp.Options.Publish }[] = [
      { body: Buffer.from('plain qos 0'), options: publishOptions(0) },
      { body: Buffer.from('qos 1'), options: publishOptions(1) },
      {
        body: Buffer.from('with properties'),
        options: publishOptions(1, {
          retain: true,
          publisher: 'p1',
          props: {
            contentType: 'text/plain',
            responseTopic: 'reply/to',
            correlationData: Buffer.from([0xff, 0]),
            userProperties: { k: 'v', list: ['1', '2'] },
          },
        }),
      },
      { body: Buffer.alloc(0), options: publishOptions(0) },
      // Over RabbitMQ's 128 KiB frame_max: several body frames.
      { body: Buffer.alloc(300_000, 0x62), options: publishOptions(1) },
    ];
    const consumeAll = (ch: amqp.Channel, queue: string) =>
      new Promise<amqp.ConsumeMessage[]>((resolve) => {
        const got: amqp.ConsumeMessage[] = [];
        void ch.consume(
          queue,
          (m) => {
            if (m) got.push(m);
            if (got.length === sent.length) resolve(got);
          },
          { noAck: true },
        );
      });
    const both = Promise.all([consumeAll(a, `${q}-a`), consumeAll(b, `${q}-b`)]);
    for (const s of sent) a.publish(ex, '', s.body, s.options);
    const [mine, amqplibs] = await both;
    const view = (m: amqp.ConsumeMessage) => {
      const d = toDelivery(m);
      return {
        ...d,
        payload: d.payload.toString('hex'),
        consumerTag: undefined,
        deliveryTag: m.fields.deliveryTag,
      };
    };
    assert.deepEqual(mine.map(view), amqplibs.map(view));
    assert.equal(mine[2].properties.headers?.k, 'v');
    await a.deleteExchange(ex);
  });
});
