import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { headerTable, shortstr } from './arbitraries';
import type * as amqp from 'amqplib';
import { publishFrames, publishTemplate } from '../../../adapter/src/amqp/publish-frames';
import { DirectPublisher } from '../../../adapter/src/amqp/direct-publish';
import { publishOptions } from '../../../adapter/src/amqp/message';
import { amqplibModule } from '../../../adapter/src/amqp/amqplib-internals';

const defs = amqplibModule('defs') as unknown as {
  encodeProperties(cls: number, channel: number, size: number, fields: unknown): Buffer;
  BasicPublish: number;
  BasicProperties: number;
};
const Args = amqplibModule('api_args') as unknown as {
  publish(exchange: string, routingKey: string, options: amqp.Options.Publish): Record<string, unknown>;
};
const { Connection } = amqplibModule('connection') as unknown as {
  Connection: { prototype: { sendMessage: (...a: unknown[]) => unknown; sendContent: unknown } };
};

/** What amqplib's own Connection.sendMessage writes for a publish, as one buffer. */
function amqplibFrames(
  channel: number,
  exchange: string,
  routingKey: string,
  options: amqp.Options.Publish,
  body: Buffer,
  frameMax: number,
): Buffer {
  const chunks: Buffer[] = [];
  const buffer = { write: (b: Buffer) => chunks.push(Buffer.from(b)) };
  const fake = {
    channels: { [channel]: { buffer } },
    frameMax,
    sendContent: Connection.prototype.sendContent,
  };
  const fields = Args.publish(exchange, routingKey, options);
  Connection.prototype.sendMessage.call(
    fake,
    channel,
    defs.BasicPublish,
    fields,
    defs.BasicProperties,
    fields,
    body,
  );
  return Buffer.concat(chunks);
}

function templateFor(exchange: string, options: amqp.Options.Publish) {
  return publishTemplate(
    exchange,
    defs.encodeProperties(defs.BasicProperties, 0, 0, Args.publish(exchange, '', options)),
  );
}

const options: fc.Arbitrary<amqp.Options.Publish> = fc.oneof(
  fc.constantFrom(publishOptions(0), publishOptions(1), publishOptions(2)),
  fc.record(
    {
      deliveryMode: fc.constantFrom(1, 2),
      headers: headerTable,
      contentType: shortstr(40),
      correlationId: shortstr(40),
      replyTo: shortstr(40),
      expiration: fc.nat().map(String),
    },
    { requiredKeys: ['deliveryMode'] },
  ),
);

/** amqplib refuses a frame_max below the protocol's 4096, so nothing smaller is negotiated. */
const frameMax = fc.oneof(fc.constant(131072), fc.integer({ min: 4096, max: 9000 }));

describe('amqp/publish-frames: basic.publish frames from pre-encoded parts', () => {
  it('writes the bytes amqplib writes, for any channel, exchange, key, properties, body and frame size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 65535 }),
        shortstr(255),
        shortstr(255),
        fc.boolean(),
        options,
        fc.uint8Array({ maxLength: 20000 }).map((a) => Buffer.from(a)),
        frameMax,
        (channel, exchange, routingKey, mandatory, o, body, max) => {
          const ours = publishFrames(channel, templateFor(exchange, o), routingKey, mandatory, body, max);
          const theirs = amqplibFrames(channel, exchange, routingKey, { ...o, mandatory }, body, max);
          assert.ok(ours);
          assert.equal(ours.toString('hex'), theirs.toString('hex'));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('leaves a routing key longer than a shortstr to amqplib, which refuses it', () => {
    const t = templateFor('amq.topic', publishOptions(0));
    assert.equal(publishFrames(1, t, 'k'.repeat(256), false, Buffer.alloc(1), 4096), undefined);
    assert.throws(() => amqplibFrames(1, 'amq.topic', 'k'.repeat(256), {}, Buffer.alloc(1), 4096), TypeError);
  });

  it('refuses a frame size with no room for a body, as amqplib does', () => {
    const t = templateFor('amq.topic', publishOptions(0));
    assert.throws(() => publishFrames(1, t, 'k', false, Buffer.alloc(1), 8), /no room for a body frame/);
  });
});

describe('amqp/direct-publish: DirectPublisher', () => {
  function fakeModel(frameMaxValue: number) {
    const written: Buffer[] = [];
    const stream = new Writable({
      writev(chunks, cb) {
        written.push(Buffer.concat(chunks.map((c) => c.chunk as Buffer)));
        cb();
      },
    });
    const connection = { stream, frameMax: frameMaxValue, sentSinceLastCheck: false };
    const confirms: unknown[] = [];
    const channel = (ch: number) =>
      ({
        ch,
        connection,
        pushConfirmCallback: (cb: unknown) => confirms.push(cb),
      }) as unknown as amqp.Channel;
    return { model: { connection } as unknown as amqp.ChannelModel, connection, written, confirms, channel };
  }

  it('writes plain and optioned publishes as amqplib would, in one write per event-loop turn', async () => {
    const f = fakeModel(4096);
    const p = DirectPublisher.of(f.model);
    assert.ok(p, 'the fake has the shape DirectPublisher relies on');
    const ch = f.channel(7);
    assert.equal(p.accepts(ch), true);
    const body = Buffer.alloc(5000, 0x61);
    const cb = (): void => undefined;
    const extra: amqp.Options.Publish = { ...publishOptions(1), mandatory: true, headers: { seq: 3 } };
    p.publish(ch, 'amq.topic', 'a.b', body, { plain: 0 });
    p.publish(ch, 'amq.topic', 'a.c', body, { plain: 1 }, cb);
    p.publish(ch, 'amq.topic', 'a.d', Buffer.alloc(0), { options: extra }, cb);
    assert.equal(f.connection.sentSinceLastCheck, true, 'amqplib sends no heartbeat after a publish');
    assert.deepEqual(f.confirms, [cb, cb], 'a confirm callback per confirmed publish, in order');
    assert.equal(f.written.length, 0, 'held until the end of the turn');
    await new Promise((r) => setImmediate(r));
    assert.equal(f.written.length, 1);
    const expected = Buffer.concat([
      amqplibFrames(7, 'amq.topic', 'a.b', publishOptions(0), body, 4096),
      amqplibFrames(7, 'amq.topic', 'a.c', publishOptions(1), body, 4096),
      amqplibFrames(7, 'amq.topic', 'a.d', extra, Buffer.alloc(0), 4096),
    ]);
    assert.equal(Buffer.concat(f.written).toString('hex'), expected.toString('hex'));
  });

  it("takes what amqplib's multiplexer holds into the same write", async () => {
    const f = fakeModel(4096);
    const ack = Buffer.from('queued by amqplib');
    let passes = 0;
    (f.connection as unknown as { muxer: unknown }).muxer = {
      _readIncoming: () => {
        passes++;
        f.connection.stream.write(ack);
      },
    };
    const p = DirectPublisher.of(f.model) as DirectPublisher;
    p.publish(f.channel(3), 'amq.topic', 'a', Buffer.from('x'), { plain: 0 });
    await new Promise((r) => setImmediate(r));
    assert.equal(passes, 1);
    assert.equal(f.written.length, 1, 'one write for the publish and the frames amqplib held');
    const publish = amqplibFrames(3, 'amq.topic', 'a', publishOptions(0), Buffer.from('x'), 4096);
    assert.equal(f.written[0].toString('hex'), Buffer.concat([publish, ack]).toString('hex'));
  });

  it('throws as amqplib does once amqplib has closed the channel', () => {
    const f = fakeModel(4096);
    const p = DirectPublisher.of(f.model) as DirectPublisher;
    const ch = f.channel(1) as unknown as Record<string, unknown>;
    ch.sendMessage = () => {
      throw new Error('Channel closed');
    };
    assert.throws(
      () => p.publish(ch as unknown as amqp.Channel, 'x', 'k', Buffer.alloc(1), { plain: 0 }),
      /Channel closed/,
    );
    assert.equal(f.written.length, 0);
  });

  it('takes no channel of another connection, and no connection unlike amqplib 2.x', () => {
    const a = fakeModel(4096);
    const b = fakeModel(4096);
    assert.equal((DirectPublisher.of(a.model) as DirectPublisher).accepts(b.channel(1)), false);
    assert.equal(
      DirectPublisher.of({ connection: { stream: {} } } as unknown as amqp.ChannelModel),
      undefined,
    );
  });
});
