import assert from 'node:assert/strict';
import * as amqp from 'amqplib';
import { DirectPublisher } from '../../../adapter/src/amqp/direct-publish';
import { publishOptions } from '../../../adapter/src/amqp/message';
import { uniqueId } from '../helpers/adapter';

const URL = 'amqp://guest:guest@127.0.0.1:5672';

/**
 * The direct publisher leans on amqplib 2.x internals (its connection's
 * socket, frame_max, a channel's number and confirm callbacks). Against a
 * real RabbitMQ, these fail loudly when an amqplib upgrade changes them,
 * rather than the adapter quietly falling back to amqplib's slower path.
 */
describe('amqp-side: publishes written straight to the socket', function () {
  let model: amqp.ChannelModel;

  beforeEach(async () => {
    model = await amqp.connect(URL, { noDelay: true });
  });

  afterEach(async () => {
    await model.close().catch(() => undefined);
  });

  it('finds the amqplib internals it relies on', () => {
    const p = DirectPublisher.of(model);
    assert.ok(p, 'amqplib internals changed: DirectPublisher.of found no connection of the 2.x shape');
  });

  it('delivers plain, optioned and multi-frame publishes in order, each confirmed', async () => {
    const p = DirectPublisher.of(model) as DirectPublisher;
    const ch = await model.createConfirmChannel();
    assert.equal(p.accepts(ch), true, 'amqplib internals changed: a confirm channel is not of the 2.x shape');
    const q = uniqueId('direct');
    await ch.assertQueue(q, { exclusive: true });
    const big = Buffer.alloc(300_000, 0x62); // over RabbitMQ's 128 KiB frame_max: several body frames
    const sent: { body: Buffer; what: { plain: 0 | 1 } | { options: amqp.Options.Publish } }[] = [
      { body: Buffer.from('plain qos 0'), what: { plain: 0 } },
      { body: Buffer.from('plain qos 1'), what: { plain: 1 } },
      {
        body: Buffer.from('with options'),
        what: { options: { ...publishOptions(1), mandatory: true, contentType: 'text/plain' } },
      },
      { body: Buffer.alloc(0), what: { plain: 1 } },
      { body: big, what: { plain: 1 } },
    ];
    const received: amqp.ConsumeMessage[] = [];
    const all = new Promise<void>((resolve) => {
      void ch.consume(
        q,
        (m) => {
          if (m) received.push(m);
          if (received.length === sent.length) resolve();
        },
        { noAck: true },
      );
    });
    const confirms = sent.map(
      (s) =>
        new Promise<unknown>((resolve) => {
          p.publish(ch, '', q, s.body, s.what, resolve);
        }),
    );
    assert.deepEqual(
      await Promise.all(confirms),
      sent.map(() => null),
      'every publish acked',
    );
    await all;
    assert.deepEqual(
      received.map((m) => m.content.toString('hex')),
      sent.map((s) => s.body.toString('hex')),
    );
    assert.deepEqual(
      received.map((m) => m.properties.deliveryMode as unknown),
      [1, 2, 2, 2, 2],
    );
    assert.equal(received[1].properties.headers?.['x-mqtt-publish-qos'], 1);
    assert.equal(received[2].properties.contentType, 'text/plain');
    assert.equal(received[0].properties.headers?.['x-mqtt-publish-qos'], undefined);
  });

  it('throws as amqplib does on a closed channel, and amqplib keeps working', async () => {
    const p = DirectPublisher.of(model) as DirectPublisher;
    const ch = await model.createChannel();
    await ch.close();
    assert.throws(() => p.publish(ch, 'amq.topic', 'k', Buffer.from('x'), { plain: 0 }), /closed/i);
    const other = await model.createChannel();
    const q = uniqueId('direct-after');
    await other.assertQueue(q, { exclusive: true });
    p.publish(other, '', q, Buffer.from('after'), { plain: 0 });
    const got = await new Promise<string>((resolve) => {
      void other.consume(q, (m) => m && resolve(m.content.toString()), { noAck: true });
    });
    assert.equal(got, 'after');
  });
});
