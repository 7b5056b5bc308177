import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { generate, type Packet } from 'mqtt-packet';
import { Framer, nextFrame } from '../../../adapter/src/mqtt/framer';

const packets: Packet[] = [
  { cmd: 'pingreq' },
  {
    cmd: 'publish',
    topic: 'a/b',
    payload: Buffer.alloc(300, 7),
    qos: 1,
    messageId: 9,
    retain: false,
    dup: false,
  },
  { cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'x/#', qos: 1 }] },
  { cmd: 'publish', topic: 't', payload: Buffer.from('hi'), qos: 0, retain: false, dup: false },
  { cmd: 'disconnect' },
];
const wire = packets.map((p) => generate(p));
const all = Buffer.concat(wire);

describe('mqtt/framer', () => {
  it('yields the same whole packets however the stream is split', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: all.length - 1 }), { maxLength: 20 }), (cuts) => {
        const framer = new Framer(1024 * 1024);
        const points = [0, ...cuts.sort((a, b) => a - b), all.length];
        const frames: Buffer[] = [];
        for (let i = 1; i < points.length; i++) {
          const r = framer.push(all.subarray(points[i - 1], points[i]));
          assert.equal(r.problem, undefined);
          frames.push(...r.frames.map((f) => Buffer.from(f)));
        }
        assert.deepEqual(frames, wire);
        assert.equal(framer.buffered, 0);
      }),
    );
  });

  it('waits for more when the header is incomplete', () => {
    assert.deepEqual(nextFrame(Buffer.from([0x30]), 0, 100), { kind: 'need-more' });
    // Continuation bit set on the last byte seen: the length goes on.
    assert.deepEqual(nextFrame(Buffer.from([0x30, 0x80, 0x80]), 0, 1 << 28), { kind: 'need-more' });
    assert.deepEqual(nextFrame(Buffer.from([0x30, 0x05, 0, 0]), 0, 100), { kind: 'need-more' });
    assert.deepEqual(nextFrame(Buffer.from([0xc0, 0x00]), 0, 100), { kind: 'frame', length: 2 });
  });

  it('reads a 4-byte remaining length (the maximum 268435455)', () => {
    const header = Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]);
    assert.deepEqual(nextFrame(header, 0, 268435460), { kind: 'need-more' });
    assert.deepEqual(nextFrame(header, 0, 1000), { kind: 'too-large', size: 5 + 268435455 });
  });

  it('calls a remaining length over 4 bytes malformed [MQTT-2.2.3]', () => {
    const r = nextFrame(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]), 0, 1 << 30);
    assert.equal(r.kind, 'malformed');
    const framer = new Framer(1 << 30);
    assert.equal(framer.push(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01])).problem?.kind, 'malformed');
  });

  it('refuses a too-large packet from its header, before buffering the body', () => {
    const framer = new Framer(1000);
    const big = generate({
      cmd: 'publish',
      topic: 'a',
      payload: Buffer.alloc(5000),
      qos: 0,
      retain: false,
      dup: false,
    });
    const r = framer.push(big.subarray(0, 4));
    assert.equal(r.problem?.kind, 'too-large');
    assert.equal(r.frames.length, 0);
    assert.equal(framer.buffered, 0);
    // A packet of exactly the maximum passes.
    const exact = new Framer(big.length);
    assert.equal(exact.push(big).frames.length, 1);
  });

  it('returns the whole packets before a bad one', () => {
    const framer = new Framer(100);
    const r = framer.push(Buffer.concat([wire[0], Buffer.from([0x30, 0xff, 0x7f])]));
    assert.equal(r.frames.length, 1);
    assert.equal(r.problem?.kind, 'too-large');
  });

  it('cuts any byte stream into the same frames however it is chunked', () => {
    const packet = fc
      .tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 20_000 }))
      .map(([type, body]) => Buffer.concat([lengthHeader(type, body), Buffer.alloc(body, type)]));
    fc.assert(
      fc.property(
        fc.array(packet, { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 9000 }), { minLength: 1, maxLength: 40 }),
        (wirePackets, sizes) => {
          const stream = Buffer.concat(wirePackets);
          const framer = new Framer(1 << 20);
          const frames: Buffer[] = [];
          for (let at = 0, i = 0; at < stream.length; i++) {
            const end = Math.min(stream.length, at + sizes[i % sizes.length]);
            const r = framer.push(Buffer.from(stream.subarray(at, end)));
            assert.equal(r.problem, undefined);
            frames.push(...r.frames);
            at = end;
          }
          assert.deepEqual(frames, wirePackets);
          assert.equal(framer.buffered, 0);
        },
      ),
    );
  });

  it('copies each byte of a large packet at most once, whatever the chunking', () => {
    const body = 16 * 1024 * 1024;
    const stream = Buffer.concat([lengthHeader(3, body), Buffer.alloc(body, 1)]);
    for (const chunk of [1024, 64 * 1024]) {
      const framer = new Framer(268435455);
      const frames: Buffer[] = [];
      for (let at = 0; at < stream.length; at += chunk)
        frames.push(...framer.push(stream.subarray(at, at + chunk)).frames);
      assert.equal(frames.length, 1);
      assert.equal(frames[0].length, stream.length);
      assert.ok(
        framer.bytesCopied <= stream.length,
        `${framer.bytesCopied} bytes copied at ${chunk}-byte chunks`,
      );
    }
  });

  it('copies nothing when small packets lie inside their chunks', () => {
    const framer = new Framer(1024);
    const frames = framer.push(Buffer.concat([...wire, ...wire])).frames;
    assert.equal(frames.length, wire.length * 2);
    assert.equal(framer.bytesCopied, 0);
  });

  it('applies a changed limit from the next packet on', () => {
    const framer = new Framer(100);
    const big = wire[1];
    assert.ok(big.length > 100);
    assert.equal(framer.push(wire[0]).frames.length, 1);
    framer.maxPacketSize = big.length;
    assert.deepEqual(framer.push(big).frames, [big]);
    framer.maxPacketSize = 100;
    assert.equal(framer.push(big.subarray(0, 3)).problem?.kind, 'too-large');
  });

  it('keeps the first bytes of a refused packet, to say what it was', () => {
    const connect = generate({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 5,
      clean: true,
      keepalive: 0,
      clientId: 'c',
      username: 'u',
      password: Buffer.alloc(70_000),
    });
    const framer = new Framer(65536);
    const r = framer.push(connect.subarray(0, 12));
    assert.equal(r.problem?.kind, 'too-large');
    assert.ok(r.problem.kind === 'too-large');
    assert.deepEqual(r.problem.head, connect.subarray(0, 12));
    assert.equal(framer.buffered, 0);
  });
});

/** The fixed header of a packet of `type` with a body of `body` bytes [MQTT-2.2.3]. */
function lengthHeader(type: number, body: number): Buffer {
  const bytes = [type << 4];
  let n = body;
  do {
    const digit = n % 128;
    n = Math.floor(n / 128);
    bytes.push(n > 0 ? digit | 0x80 : digit);
  } while (n > 0);
  return Buffer.from(bytes);
}
