import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { headerTable, shortstr } from './arbitraries';
import type * as amqp from 'amqplib';
import { amqplibModule } from '../../../adapter/src/amqp/amqplib-internals';
import { DeliveryReader, amqplibInternals } from '../../../adapter/src/amqp/delivery-reader';
import { toDelivery } from '../../../adapter/src/amqp/message';
import { memoryConnection } from './memory-connection';

const defs = amqplibModule('defs') as unknown as {
  encodeMethod(id: number, channel: number, fields: unknown): Buffer;
  encodeProperties(id: number, channel: number, size: number, fields: unknown): Buffer;
  BasicDeliver: number;
  BasicAck: number;
  ChannelCloseOk: number;
  BasicProperties: number;
  constants: { INTERNAL_ERROR: number; UNEXPECTED_FRAME: number };
};
const frame = amqplibModule('frame') as unknown as {
  makeBodyFrame(this: void, channel: number, payload: Buffer): Buffer;
};
const { makeBodyFrame } = frame;
interface Sent {
  readonly channel: number;
  readonly fields: Record<string, unknown>;
  readonly properties: Record<string, unknown>;
  readonly body: Buffer;
}

/** What RabbitMQ writes for a delivery, encoded by amqplib, split into frames of at most `frameMax`. */
function deliveryFrames(m: Sent, frameMax: number): Buffer {
  const frames = [
    defs.encodeMethod(defs.BasicDeliver, m.channel, m.fields),
    defs.encodeProperties(defs.BasicProperties, m.channel, m.body.length, m.properties),
  ];
  for (let from = 0; from < m.body.length; from += frameMax - 8)
    frames.push(makeBodyFrame(m.channel, m.body.subarray(from, from + frameMax - 8)));
  return Buffer.concat(frames);
}

const CONSUMER = 'ctag';
/** Consumers on each channel: a tag that is not ASCII is never taken from the one before. */
const CONSUMERS = [CONSUMER, 'ctag-é'];

/**
 * A real amqplib Connection and two real channels (1 and 2) over an
 * in-memory stream, run by amqplib's own accept loop; with `ours`, channel 1's
 * deliveries go through DeliveryReader. Records what each consumer gets and
 * each channel error amqplib raises.
 */
function harness(ours: boolean, consumer?: (msg: amqp.ConsumeMessage) => void) {
  const m = memoryConnection();
  const conn = m.conn;
  const got: { channel: number; msg: amqp.ConsumeMessage }[] = [];
  const errors: { channel: number; reason: string; code: number }[] = [];
  const channels = [1, 2].map((n) => {
    const ch = m.channel();
    assert.equal(ch.ch, n);
    ch.closeWithError = (_id: unknown, reason: string, code: number) =>
      errors.push({ channel: n, reason, code });
    for (const tag of CONSUMERS)
      ch.registerConsumer(tag, (msg: amqp.ConsumeMessage) => {
        got.push({ channel: n, msg });
        consumer?.(msg);
      });
    return ch;
  });
  if (ours) {
    assert.equal(DeliveryReader.install(m.model), true);
    assert.equal(DeliveryReader.take(channels[0]), true, "amqplib's internals are as the reader expects");
  }
  m.start();
  const feed = async (bytes: Buffer, cuts: readonly number[] = []): Promise<void> => {
    let from = 0;
    for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length)]
      .sort((a, b) => a - b)
      .concat(bytes.length)) {
      m.push(bytes.subarray(from, cut));
      from = cut;
      await new Promise((r) => setImmediate(r));
    }
  };
  return { conn, channels, got, errors, feed };
}

/** The fields and properties the adapter reads of a delivery, and what it makes of them. */
function adapterView(m: amqp.ConsumeMessage) {
  const p = m.properties as unknown as Record<string, unknown>;
  return {
    fields: { ...m.fields },
    properties: {
      contentType: p.contentType,
      headers: p.headers,
      deliveryMode: p.deliveryMode,
      correlationId: p.correlationId,
      replyTo: p.replyTo,
    },
    content: m.content.toString('hex'),
    delivery: { ...toDelivery(m), payload: m.content.toString('hex') },
  };
}

const fields = fc.record({
  consumerTag: fc.constantFrom(...CONSUMERS),
  deliveryTag: fc.maxSafeNat(),
  redelivered: fc.boolean(),
  // Repeated names, as a channel's deliveries mostly have, and new ones.
  exchange: fc.oneof(fc.constantFrom('amq.topic', 'amq.topié', 'amq.topid'), shortstr(255)),
  routingKey: shortstr(255),
});

const properties = fc.record(
  {
    contentType: shortstr(40),
    contentEncoding: shortstr(20),
    headers: headerTable,
    deliveryMode: fc.constantFrom(1, 2),
    priority: fc.integer({ min: 0, max: 9 }),
    correlationId: shortstr(40),
    replyTo: shortstr(40),
    expiration: fc.nat().map(String),
    messageId: shortstr(20),
    timestamp: fc.nat(),
    type: shortstr(20),
    userId: shortstr(20),
    appId: shortstr(20),
  },
  { requiredKeys: [] },
);

const message = fc.record({
  channel: fc.constantFrom(1, 2),
  fields,
  properties,
  body: fc.oneof(
    fc.constant(Buffer.alloc(0)),
    fc.uint8Array({ maxLength: 12000 }).map((a) => Buffer.from(a)),
  ),
});

describe('amqp/delivery-reader: deliveries decoded without amqplib', () => {
  it("finds amqplib's internals it relies on", () => {
    // Fails loudly when an amqplib upgrade moves them: the reader would then leave every delivery to amqplib.
    assert.ok(amqplibInternals());
    const { conn } = harness(false);
    for (const k of ['rest', 'maxFrameSize', 'recvSinceLastCheck', 'channels', 'stream', 'recvFrame'])
      assert.ok(k in conn, `amqplib Connection has ${k}`);
  });

  it('hands the consumer what amqplib does, for any deliveries, frame sizes and read boundaries', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(message, { minLength: 1, maxLength: 6 }),
        fc.oneof(fc.constant(131072), fc.integer({ min: 4096, max: 9000 })),
        fc.array(fc.nat({ max: 80000 }), { maxLength: 6 }),
        async (messages, frameMax, cuts) => {
          const bytes = Buffer.concat(messages.map((m) => deliveryFrames(m, frameMax)));
          const theirs = harness(false);
          const ours = harness(true);
          await theirs.feed(bytes, cuts);
          await ours.feed(bytes, cuts);
          assert.equal(theirs.got.length, messages.length);
          assert.deepEqual(
            ours.got.map((g) => ({ channel: g.channel, ...adapterView(g.msg) })),
            theirs.got.map((g) => ({ channel: g.channel, ...adapterView(g.msg) })),
          );
          assert.deepEqual(ours.errors, []);
          assert.equal(ours.conn.recvSinceLastCheck, true, 'a read counts against the heartbeat timeout');
        },
      ),
      { numRuns: 150 },
    );
  });

  it('passes methods between the frames of a delivery to amqplib, as amqplib takes them', async () => {
    const m: Sent = { channel: 1, fields: { ...deliver(7) }, properties: {}, body: Buffer.alloc(5000, 1) };
    const frames = deliveryFrames(m, 4096);
    const ack = defs.encodeMethod(defs.BasicAck, 1, { deliveryTag: 1, multiple: false });
    const h = harness(true);
    const acks: unknown[] = [];
    h.channels[0].on('ack', (f) => acks.push(f));
    // Method, header and first body frame, then an ack, then the last body frame.
    const firstBodyEnd = frames.length - (5000 - (4096 - 8)) - 8;
    await h.feed(Buffer.concat([frames.subarray(0, firstBodyEnd), ack, frames.subarray(firstBodyEnd)]));
    assert.equal(acks.length, 1);
    assert.equal(h.got.length, 1);
    assert.equal(h.got[0].msg.content.toString('hex'), m.body.toString('hex'));
  });

  it('drops the rest of a delivery on a channel closed under it, as amqplib does', async () => {
    for (const ours of [false, true]) {
      const h = harness(ours);
      const m: Sent = { channel: 1, fields: deliver(1), properties: {}, body: Buffer.alloc(6000, 2) };
      const frames = deliveryFrames(m, 4096);
      await h.feed(frames.subarray(0, 100));
      const closed = new Promise((r) => h.channels[0].once('close', r));
      (h.channels[0] as unknown as { toClosing(stack: string, k: () => void): void }).toClosing(
        'test',
        () => undefined,
      );
      await h.feed(Buffer.concat([frames.subarray(100), defs.encodeMethod(defs.ChannelCloseOk, 1, {})]));
      await closed;
      assert.equal(h.got.length, 0, ours ? 'ours' : 'amqplib');
      // Channel 2 goes on as before.
      await h.feed(deliveryFrames({ ...m, channel: 2 }, 4096));
      assert.equal(h.got.length, 1);
      assert.deepEqual(h.errors, []);
    }
  });

  it('closes the channel with an internal error when a consumer throws, or there is none, as amqplib does', async () => {
    const results = [];
    for (const consumerTag of [CONSUMER, 'gone'])
      for (const ours of [false, true]) {
        const h = harness(ours, () => {
          throw new Error('consumer failed');
        });
        await h.feed(
          deliveryFrames(
            { channel: 1, fields: { ...deliver(1), consumerTag }, properties: {}, body: Buffer.from('x') },
            4096,
          ),
        );
        results.push(h.errors);
      }
    const error = {
      channel: 1,
      reason: 'Error while processing message',
      code: defs.constants.INTERNAL_ERROR,
    };
    assert.deepEqual(results, [[error], [error], [error], [error]]);
  });

  it("gives a throwing consumer's error to a channel's handler-error listener instead, as amqplib does", async () => {
    const results = [];
    for (const ours of [false, true]) {
      const h = harness(ours, () => {
        throw new Error('consumer failed');
      });
      const handled: unknown[] = [];
      h.channels[0].on('handler-error', (e: Error, event: string) => handled.push([e.message, event]));
      await h.feed(
        deliveryFrames({ channel: 1, fields: deliver(1), properties: {}, body: Buffer.from('x') }, 4096),
      );
      await new Promise((r) => setImmediate(r));
      results.push({ errors: h.errors, handled });
    }
    assert.deepEqual(results[1], results[0]);
    assert.deepEqual(results[0], { errors: [], handled: [['consumer failed', 'delivery']] });
  });

  it('closes the channel over a frame out of place in a delivery, as amqplib does', async () => {
    const results = [];
    for (const ours of [false, true]) {
      const h = harness(ours);
      const m: Sent = { channel: 1, fields: deliver(1), properties: {}, body: Buffer.from('x') };
      const method = defs.encodeMethod(defs.BasicDeliver, 1, m.fields);
      await h.feed(Buffer.concat([method, makeBodyFrame(1, Buffer.from('x'))]));
      results.push({ errors: h.errors, got: h.got.length });
    }
    assert.deepEqual(results[1], results[0]);
    assert.equal(results[0].errors[0].code, defs.constants.UNEXPECTED_FRAME);
  });
});

function deliver(tag: number) {
  return {
    consumerTag: CONSUMER,
    deliveryTag: tag,
    redelivered: false,
    exchange: 'amq.topic',
    routingKey: 'a.b',
  };
}
