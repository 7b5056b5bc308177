import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { generate, parser as createParser, type Packet } from 'mqtt-packet';
import { decode, decodeAckV3, decodePublishV3 } from '../../../adapter/src/mqtt/decoder';

/** What a parser of the connection's own would have made of the frame. */
function reference(frame: Buffer, protocolVersion: number): Packet {
  const p = createParser({ protocolVersion });
  let got: Packet | undefined;
  p.on('packet', (x: Packet) => (got = x));
  p.parse(frame);
  assert.ok(got, 'mqtt-packet parsed nothing');
  return got;
}

const connect = (protocolVersion: 3 | 4 | 5, clientId = 'c'): Buffer =>
  generate({
    cmd: 'connect',
    protocolId: protocolVersion === 3 ? 'MQIsdp' : 'MQTT',
    protocolVersion,
    clean: true,
    clientId,
    keepalive: 30,
  });

describe('unit: decoder', function () {
  it('reads v3.1.1 PUBLISH packets as mqtt-packet does', function () {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 300 }),
        fc.uint8Array({ maxLength: 400 }),
        fc.constantFrom(0, 1, 2),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 1, max: 65535 }),
        (topic, payload, qos, retain, dup, messageId) => {
          const frame = generate({
            cmd: 'publish',
            topic,
            payload: Buffer.from(payload),
            qos: qos,
            retain,
            dup,
            messageId,
          });
          const mine = decodePublishV3(frame);
          assert.ok(mine);
          const ref = reference(frame, 4) as Packet & { payload: Buffer };
          assert.deepEqual(
            { ...mine, payload: Buffer.from(mine.payload) },
            { ...ref, payload: Buffer.from(ref.payload) },
          );
        },
      ),
    );
  });

  it('reads v3.1.1 PUBACK, PUBREC and PUBCOMP as mqtt-packet does', function () {
    fc.assert(
      fc.property(
        fc.constantFrom('puback', 'pubrec', 'pubcomp'),
        fc.integer({ min: 1, max: 65535 }),
        (cmd, messageId) => {
          const frame = generate({ cmd, messageId });
          const mine = decodeAckV3(frame);
          assert.ok(mine);
          assert.deepEqual({ ...mine }, { ...reference(frame, 4) });
        },
      ),
    );
    // Reserved flags set: mqtt-packet refuses it [MQTT-2.2.2-2].
    const flagged = generate({ cmd: 'puback', messageId: 1 });
    flagged[0] |= 0x02;
    assert.equal(decodeAckV3(flagged), undefined);
    assert.ok('error' in decode(flagged, 4));
  });

  it('leaves a PUBLISH with both QoS bits set, or cut short, to mqtt-packet', function () {
    const frame = generate({
      cmd: 'publish',
      topic: 'a',
      payload: Buffer.from('x'),
      qos: 1,
      messageId: 1,
      retain: false,
      dup: false,
    });
    const qos3 = Buffer.from(frame);
    qos3[0] |= 0x06;
    assert.equal(decodePublishV3(qos3), undefined);
    const r = decode(qos3, 4);
    assert.ok('error' in r && /QoS/.test(r.error.message));
    // A topic length that runs past the end of the packet.
    const long = Buffer.from([0x30, 0x03, 0x00, 0x09, 0x61]);
    assert.equal(decodePublishV3(long), undefined);
    assert.ok('error' in decode(long, 4));
  });

  it('recovers from a refused frame before the next connection uses it', function () {
    const good = connect(4);
    const badLevel = Buffer.from(good);
    badLevel[8] = 9;
    const refused = decode(badLevel, 0);
    assert.ok('error' in refused);
    assert.equal(refused.error.message, 'Invalid protocol version');
    const r = decode(good, 0);
    assert.ok('packet' in r && r.packet.cmd === 'connect' && r.packet.clientId === 'c');
  });

  it('keeps each protocol level apart, whatever CONNECT was parsed last', function () {
    const sub = {
      cmd: 'subscribe' as const,
      messageId: 7,
      subscriptions: [{ topic: 'a/#', qos: 1 as const, nl: true }],
    };
    const v5frame = generate(sub, { protocolVersion: 5 });
    const v4frame = generate({ ...sub, subscriptions: [{ topic: 'a/#', qos: 1 }] });
    assert.ok('packet' in decode(connect(5), 0));
    // A second CONNECT on a v3.1.1 connection must not turn the v3.1.1 parser into a v5 one.
    assert.ok('packet' in decode(connect(5), 4));
    const v4 = decode(v4frame, 4);
    assert.ok('packet' in v4);
    assert.deepEqual(v4.packet, reference(v4frame, 4));
    const v5 = decode(v5frame, 5);
    assert.ok('packet' in v5);
    assert.deepEqual(v5.packet, reference(v5frame, 5));
  });

  it('decodes every frame as a parser of its own would, whatever frames were refused before', function () {
    // The shared parsers rest on mqtt-packet's streaming contract: a parser that has read one
    // whole packet is ready for the next. If a release of mqtt-packet breaks that, this fails.
    const samples: { level: 0 | 3 | 4 | 5; frame: Buffer }[] = [];
    for (const v of [3, 4, 5] as const) {
      const opts = { protocolVersion: v };
      samples.push({ level: 0, frame: connect(v) });
      samples.push({
        level: v,
        frame: generate({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'a/+', qos: 1 }] }, opts),
      });
      samples.push({
        level: v,
        frame: generate({ cmd: 'unsubscribe', messageId: 4, unsubscriptions: ['a/+'] }, opts),
      });
      samples.push({ level: v, frame: generate({ cmd: 'pubrel', messageId: 5 }, opts) });
      samples.push({ level: v, frame: generate({ cmd: 'pingreq' }, opts) });
      samples.push({
        level: v,
        frame: generate(
          {
            cmd: 'publish',
            topic: 't/u',
            payload: Buffer.from('payload'),
            qos: 1,
            messageId: 6,
            retain: false,
            dup: false,
            ...(v === 5
              ? { properties: { messageExpiryInterval: 9, userProperties: { k: ['a', 'b'] } } }
              : {}),
          },
          opts,
        ),
      });
    }
    samples.push({
      level: 5,
      frame: generate(
        { cmd: 'disconnect', reasonCode: 0, properties: { reasonString: 'bye' } },
        { protocolVersion: 5 },
      ),
    });
    const outcome = (frame: Buffer, level: number): unknown => {
      const p = createParser({ protocolVersion: level === 0 ? 4 : level });
      let got: { packet: Packet } | { error: string } | undefined;
      p.on('packet', (x: Packet) => (got ??= { packet: { ...x } }));
      p.on('error', (e: Error) => (got ??= { error: e.message }));
      try {
        p.parse(frame);
      } catch (err) {
        return { error: (err as Error).message };
      }
      return got ?? { error: 'incomplete packet' };
    };
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ pick: fc.nat(samples.length - 1), at: fc.nat(), to: fc.nat(255), spoil: fc.boolean() }),
          { minLength: 1, maxLength: 30 },
        ),
        (steps) => {
          for (const { pick, at, to, spoil } of steps) {
            const { level, frame: original } = samples[pick];
            const frame = Buffer.from(original);
            // A byte of the body changed keeps the frame whole, as the Framer hands them over.
            if (spoil && frame.length > 2) frame[2 + (at % (frame.length - 2))] = to;
            const mine = decode(frame, level);
            const got = 'error' in mine ? { error: mine.error.message } : { packet: { ...mine.packet } };
            assert.deepEqual(got, outcome(frame, level), `frame ${frame.toString('hex')} at level ${level}`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads v5 PUBLISH properties through mqtt-packet', function () {
    const frame = generate(
      {
        cmd: 'publish',
        topic: 't',
        payload: Buffer.from('p'),
        qos: 1,
        messageId: 3,
        retain: false,
        dup: false,
        properties: { contentType: 'text/plain', userProperties: { k: 'v' } },
      },
      { protocolVersion: 5 },
    );
    const r = decode(frame, 5);
    assert.ok('packet' in r);
    assert.deepEqual(r.packet, reference(frame, 5));
  });
});
