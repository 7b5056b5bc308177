import assert from 'node:assert/strict';
import * as amqp from 'amqplib';
import { dropStaleFrames } from '../../../adapter/src/amqp/stale-frames';
import { uniqueId } from '../helpers/adapter';
import { AMQP_URL } from '../helpers/rabbit';
import { within } from '../helpers/wait';

const MESSAGES = 2000;

/** Streams a queue's messages to a consumer and makes RabbitMQ close that channel midway (an ack of an unknown tag). */
async function closeWhileDelivering(model: amqp.ChannelModel, queue: string): Promise<void> {
  const ch = await model.createChannel();
  ch.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => ch.once('close', () => resolve()));
  let first = true;
  await ch.consume(queue, (msg) => {
    if (!msg || !first) return;
    first = false;
    // A delivery tag never handed out: RabbitMQ answers 406 PRECONDITION_FAILED by closing the channel.
    ch.ack({ ...msg, fields: { ...msg.fields, deliveryTag: msg.fields.deliveryTag + 1_000_000 } });
  });
  await within(closed, 10_000, 'RabbitMQ to close the channel');
}

/**
 * RabbitMQ goes on writing deliveries on a channel it has closed over an
 * error; amqplib, left as it is, ends the whole connection on the first such
 * frame. With the guard the connection, and every other channel on it, stays.
 */
describe('amqp-side: frames on a channel RabbitMQ closed', function () {
  this.timeout(60_000);

  it('are dropped, and the connection and its other channels carry on', async function () {
    const model = await amqp.connect(AMQP_URL);
    let dropped = 0;
    let connectionError: Error | undefined;
    model.on('error', (err: Error) => (connectionError = err));
    try {
      assert.equal(
        dropStaleFrames(model, () => dropped++),
        true,
        'amqplib internals not as expected',
      );
      const bystander = await model.createChannel();
      const queue = uniqueId('stale-frames');
      await bystander.assertQueue(queue, { exclusive: true });
      for (let round = 0; round < 5 && dropped === 0; round++) {
        for (let i = 0; i < MESSAGES; i++) bystander.sendToQueue(queue, Buffer.from(`${round}-${i}`));
        await closeWhileDelivering(model, queue);
        await bystander.purgeQueue(queue);
      }
      assert.equal(connectionError, undefined, `the connection failed: ${connectionError?.message}`);
      assert.ok(dropped > 0, 'RabbitMQ sent nothing after closing the channel: the case was not met');
      // The bystander channel still works, and so does a channel opened in the closed one's place.
      await bystander.checkQueue(queue);
      const fresh = await model.createChannel();
      await fresh.checkQueue(queue);
      await fresh.close();
      await bystander.deleteQueue(queue);
      await bystander.close();
    } finally {
      await model.close().catch(() => undefined);
    }
  });
});
