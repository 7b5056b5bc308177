import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { generate, type Packet } from 'mqtt-packet';
import { illFormedUtf8, utf8Problem } from '../../../adapter/src/mqtt/utf8';

const BAD = [
  Buffer.from([0xc3, 0x28]), // a 2-byte sequence with a bad continuation
  Buffer.from([0xf0, 0x9f, 0x98]), // a 4-byte sequence cut short
  Buffer.from([0xff]),
  Buffer.from([0xed, 0xa0, 0x80]), // a UTF-16 surrogate, not allowed in UTF-8 [MQTT-1.5.3-1]
];

// U+0000 is well-formed UTF-8 but no MQTT string may hold it [MQTT-1.5.4-2].
const wellFormed = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 20 })
  .filter((s) => !s.includes('\u0000'));

/** Replaces the first occurrence of `marker` in a generated packet with `bytes` of the same length. */
function withBytes(p: Packet, marker: string, bytes: Buffer): Buffer {
  const buf = generate(p);
  const at = buf.indexOf(marker);
  assert.ok(at >= 0 && Buffer.byteLength(marker) === bytes.length);
  bytes.copy(buf, at);
  return buf;
}
const marker = (b: Buffer): string => 'x'.repeat(b.length);

describe('mqtt/utf8: ill-formed strings on the wire [MQTT-1.5.3-1]', () => {
  it('accepts any well-formed string in every checked field', () => {
    fc.assert(
      fc.property(wellFormed, (s) => {
        const packets: Packet[] = [
          { cmd: 'publish', topic: s, payload: Buffer.from([0xff]), qos: 0, retain: false, dup: false },
          { cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: s, qos: 1 }] },
          { cmd: 'unsubscribe', messageId: 1, unsubscriptions: [s, 'a'] },
          {
            cmd: 'connect',
            protocolId: 'MQTT',
            protocolVersion: 4,
            clientId: s,
            clean: true,
            keepalive: 0,
            username: s,
            password: Buffer.from([0xff]),
            will: { topic: s, payload: Buffer.from([0xfe]), qos: 0, retain: false },
          },
        ];
        for (const p of packets) assert.equal(illFormedUtf8(generate(p), 4), false, p.cmd);
      }),
    );
  });

  it('finds ill-formed bytes in a PUBLISH topic, but not in its binary payload', () => {
    for (const b of BAD) {
      const p: Packet = {
        cmd: 'publish',
        topic: `a/${marker(b)}`,
        payload: Buffer.from('p'),
        qos: 0,
        retain: false,
        dup: false,
      };
      assert.equal(illFormedUtf8(withBytes(p, marker(b), b), 4), true, b.toString('hex'));
      assert.equal(illFormedUtf8(withBytes(p, marker(b), b), 5), true);
    }
  });

  it('finds them in any SUBSCRIBE or UNSUBSCRIBE filter', () => {
    const b = BAD[0];
    const sub: Packet = {
      cmd: 'subscribe',
      messageId: 3,
      subscriptions: [
        { topic: 'ok', qos: 0 },
        { topic: `z/${marker(b)}`, qos: 1 },
      ],
    };
    assert.equal(illFormedUtf8(withBytes(sub, marker(b), b), 4), true);
    const unsub: Packet = { cmd: 'unsubscribe', messageId: 3, unsubscriptions: ['ok', `z/${marker(b)}`] };
    assert.equal(illFormedUtf8(withBytes(unsub, marker(b), b), 4), true);
  });

  it('finds them in the CONNECT client id, will topic and username, not the password', () => {
    const b = BAD[1];
    const m = marker(b);
    const connect = (over: Partial<Extract<Packet, { cmd: 'connect' }>>): Packet => ({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clientId: 'id',
      clean: true,
      keepalive: 0,
      ...over,
    });
    assert.equal(illFormedUtf8(withBytes(connect({ clientId: m }), m, b), 4), true);
    const will = { topic: m, payload: Buffer.from('w'), qos: 0 as const, retain: false };
    assert.equal(illFormedUtf8(withBytes(connect({ will }), m, b), 4), true);
    assert.equal(
      illFormedUtf8(withBytes(connect({ username: m, password: Buffer.from('p') }), m, b), 4),
      true,
    );
    assert.equal(
      illFormedUtf8(withBytes(connect({ username: 'u', password: Buffer.from(m) }), m, b), 4),
      false,
    );
  });

  it('MQTT 5: accepts well-formed strings in every field and property, whatever the other properties', () => {
    fc.assert(
      fc.property(wellFormed, (s) => {
        const userProperties = { [s]: s };
        const packets: Packet[] = [
          {
            cmd: 'subscribe',
            messageId: 1,
            subscriptions: [{ topic: s, qos: 1 }],
            properties: { subscriptionIdentifier: 300, userProperties },
          },
          { cmd: 'unsubscribe', messageId: 1, unsubscriptions: [s], properties: { userProperties } },
          {
            cmd: 'connect',
            protocolId: 'MQTT',
            protocolVersion: 5,
            clientId: s,
            clean: true,
            keepalive: 0,
            username: s,
            password: Buffer.from([0xff]),
            properties: {
              sessionExpiryInterval: 9,
              receiveMaximum: 5,
              authenticationData: Buffer.from([0xff]),
              userProperties,
            },
            will: {
              topic: s,
              payload: Buffer.from([0xfe]),
              qos: 0,
              retain: false,
              properties: { contentType: s, correlationData: Buffer.from([0xfd]), willDelayInterval: 1 },
            },
          },
        ];
        for (const p of packets) assert.equal(utf8Problem(generate(p, { protocolVersion: 5 }), 5), undefined);
      }),
    );
  });

  it('MQTT 5: tells an ill-formed CONNECT client id from any other string, U+0000 included', () => {
    const connect = (over: Partial<Extract<Packet, { cmd: 'connect' }>>): Packet => ({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 5,
      clientId: 'id',
      clean: true,
      keepalive: 0,
      ...over,
    });
    const v5 = (p: Packet, m: string, b: Buffer): Buffer => {
      const buf = generate(p, { protocolVersion: 5 });
      b.copy(buf, buf.indexOf(m));
      return buf;
    };
    for (const b of [...BAD, Buffer.from([0x00])]) {
      const m = marker(b);
      assert.equal(utf8Problem(v5(connect({ clientId: m }), m, b), 5), 'client-id');
      const props = connect({ properties: { userProperties: { k: m } } });
      assert.equal(utf8Problem(v5(props, m, b), 5), 'string');
      const sub: Packet = {
        cmd: 'subscribe',
        messageId: 1,
        subscriptions: [{ topic: 'a', qos: 0 }],
        properties: { userProperties: { [m]: 'v' } },
      };
      assert.equal(utf8Problem(v5(sub, m, b), 5), 'string');
    }
  });

  it('MQTT 5: finds them in PUBLISH string properties at every QoS, not in Correlation Data or the payload', () => {
    const publish = (qos: 0 | 1 | 2, properties: Record<string, unknown>): Packet => ({
      cmd: 'publish',
      topic: 'a/b',
      payload: Buffer.from([0xff, 0x00]),
      qos,
      retain: false,
      dup: false,
      ...(qos > 0 ? { messageId: 7 } : {}),
      properties: { payloadFormatIndicator: false, messageExpiryInterval: 60, ...properties },
    });
    const v5 = (p: Packet, m: string, b: Buffer): Buffer => {
      const buf = generate(p, { protocolVersion: 5 });
      b.copy(buf, buf.indexOf(m));
      return buf;
    };
    for (const qos of [0, 1, 2] as const) {
      for (const b of [...BAD, Buffer.from([0x00])]) {
        const m = marker(b);
        for (const props of [
          { contentType: `text/${m}` },
          { responseTopic: `r/${m}` },
          { userProperties: { [`k${m}`]: 'v' } },
          { userProperties: { k: 'v', l: `w${m}` } },
        ])
          assert.equal(
            utf8Problem(v5(publish(qos, props), m, b), 5),
            'string',
            `${qos} ${JSON.stringify(props)}`,
          );
        const binary = publish(qos, { correlationData: Buffer.from(m) });
        assert.equal(utf8Problem(v5(binary, m, b), 5), undefined, 'Correlation Data is binary');
      }
    }
  });

  it('MQTT 5: accepts well-formed PUBLISH properties, with a topic alias and an empty topic', () => {
    fc.assert(
      fc.property(wellFormed, fc.constantFrom(0, 1, 2), (s, qos) => {
        const p: Packet = {
          cmd: 'publish',
          topic: '',
          payload: Buffer.from([0xfe]),
          qos,
          retain: false,
          dup: false,
          ...(qos > 0 ? { messageId: 0x4142 } : {}),
          properties: {
            topicAlias: 3,
            contentType: s,
            responseTopic: s,
            correlationData: Buffer.from([0xff]),
            userProperties: { [s]: [s, s] },
            subscriptionIdentifier: 70000,
          },
        };
        assert.equal(utf8Problem(generate(p, { protocolVersion: 5 }), 5), undefined);
      }),
    );
  });

  it('leaves a field cut short to the parser', () => {
    assert.equal(illFormedUtf8(Buffer.from([0x30, 0x03, 0x00, 0x09, 0x61]), 4), false);
    assert.equal(illFormedUtf8(Buffer.from([0x82, 0x02, 0x00]), 4), false);
    assert.equal(illFormedUtf8(Buffer.from([0xc0, 0x00]), 4), false);
  });
});
