import { strict as assert } from 'node:assert';
import { generate, type IPublishPacket, type Packet } from 'mqtt-packet';
import { RawMqtt, connectPacket } from '../helpers/raw-mqtt';
import { useAdapter } from '../helpers/suite';
import { uniqueTopic, V5 } from './support';

/** Strings a receiver must take as a Malformed Packet [MQTT-1.5.4-1] [MQTT-1.5.4-2]. */
const BAD: Record<string, Buffer> = {
  'overlong NUL (C0 80)': Buffer.from([0xc0, 0x80]),
  'lone surrogate (ED A0 80)': Buffer.from([0xed, 0xa0, 0x80]),
  'U+0000': Buffer.from([0x00]),
};

/** A v5 packet with the first `marker` in its encoding replaced by `bytes` of the same length. */
function withBytes(p: Packet, marker: string, bytes: Buffer): Buffer {
  const buf = generate(p, { protocolVersion: 5 });
  const at = buf.indexOf(marker);
  assert.ok(at >= 0 && Buffer.byteLength(marker) === bytes.length, `marker ${marker} not in the packet`);
  bytes.copy(buf, at);
  return buf;
}

/** A marker as long as `b`, unlikely to occur elsewhere in a packet. */
const marker = (b: Buffer): string => '~'.repeat(b.length);

/**
 * Ill-formed UTF-8 and U+0000 in the strings of MQTT 5 CONNECT, PUBLISH,
 * SUBSCRIBE and UNSUBSCRIBE packets, sent raw to the real adapter: a CONNECT
 * is refused with CONNACK 0x85 for its client id and 0x81 for any other
 * string, a PUBLISH, SUBSCRIBE or UNSUBSCRIBE is DISCONNECT 0x81 (section
 * 4.13.1), and nothing is published or subscribed.
 */
describe('MQTT 5 ill-formed UTF-8 in CONNECT, PUBLISH, SUBSCRIBE and UNSUBSCRIBE', function () {
  const suite = useAdapter();

  /** Sends a raw CONNECT and returns the CONNACK reason code, once the server has closed the socket. */
  async function refusedConnect(bytes: Buffer): Promise<number | undefined> {
    const c = await RawMqtt.open(suite.port, { protocolVersion: 5 });
    c.write(bytes);
    await c.waitClosed();
    return c.all('connack')[0]?.reasonCode;
  }

  /** Sends a raw packet on a connected v5 client; returns the DISCONNECT reason and what else came back. */
  async function disconnectedBy(bytes: Buffer): Promise<{ reason: number | undefined; answered: string[] }> {
    const { client } = await RawMqtt.connect5(suite.port);
    client.write(bytes);
    const { reasonCode } = await client.serverClose();
    return {
      reason: reasonCode,
      answered: client.unread.map((p) => p.cmd).filter((c) => c !== 'disconnect'),
    };
  }

  for (const [name, b] of Object.entries(BAD)) {
    describe(name, function () {
      const m = marker(b);
      const connect5 = (fields: Parameters<typeof connectPacket>[0]): Packet =>
        connectPacket({ protocolVersion: 5, ...fields });

      it('in the CONNECT client id: CONNACK 0x85 Client Identifier not valid', async function () {
        assert.equal(await refusedConnect(withBytes(connect5({ clientId: `id-${m}` }), m, b)), 0x85);
      });

      it('in the CONNECT username, will topic or a user property: CONNACK 0x81 Malformed Packet', async function () {
        const username = connect5({ username: `u-${m}` });
        const will = connect5({
          will: { topic: `w/${m}`, payload: Buffer.from('w'), qos: 0, retain: false },
        });
        const userProperty = connect5({ properties: { userProperties: { k: `v-${m}` } } });
        for (const p of [username, will, userProperty])
          assert.equal(await refusedConnect(withBytes(p, m, b)), 0x81);
      });

      it('in a SUBSCRIBE filter or user property: DISCONNECT 0x81, no SUBACK', async function () {
        const t = uniqueTopic('utf8');
        const filter: Packet = {
          cmd: 'subscribe',
          messageId: 1,
          subscriptions: [
            { topic: t, qos: 1 },
            { topic: `${t}/${m}`, qos: 1 },
          ],
        };
        const property: Packet = {
          cmd: 'subscribe',
          messageId: 2,
          subscriptions: [{ topic: t, qos: 1 }],
          properties: { userProperties: { [`k${m}`]: 'v' } },
        };
        for (const p of [filter, property])
          assert.deepEqual(await disconnectedBy(withBytes(p, m, b)), { reason: 0x81, answered: [] });
      });

      it('in a PUBLISH Content Type, Response Topic or User Property: DISCONNECT 0x81, no PUBACK, nothing delivered', async function () {
        const t = uniqueTopic('utf8-pub');
        const subscriber = await V5.connect(suite.port);
        await subscriber.subscribe(t, { qos: 1 });
        const publish = (properties: Record<string, unknown>, payload = 'refused'): IPublishPacket => ({
          cmd: 'publish',
          topic: t,
          payload: Buffer.from(payload),
          qos: 1,
          messageId: 4,
          retain: false,
          dup: false,
          properties,
        });
        for (const props of [
          { contentType: `text/${m}` },
          { responseTopic: `reply/${m}` },
          { userProperties: { [`k${m}`]: 'v' } },
          { userProperties: { k: `v${m}` } },
        ])
          assert.deepEqual(await disconnectedBy(withBytes(publish(props), m, b)), {
            reason: 0x81,
            answered: [],
          });
        const { client } = await RawMqtt.connect5(suite.port);
        client.send(publish({ contentType: 'text/plain' }, 'accepted'));
        assert.equal((await client.nextOf('puback')).reasonCode, 0);
        await subscriber.waitFor('accepted');
        assert.deepEqual(subscriber.payloads(), ['accepted']);
      });

      it('in an UNSUBSCRIBE filter: DISCONNECT 0x81, no UNSUBACK', async function () {
        const p: Packet = { cmd: 'unsubscribe', messageId: 3, unsubscriptions: ['a', `b/${m}`] };
        assert.deepEqual(await disconnectedBy(withBytes(p, m, b)), { reason: 0x81, answered: [] });
      });
    });
  }

  it('well-formed non-ASCII strings everywhere pass: CONNACK 0, SUBACK, UNSUBACK', async function () {
    const t = `${uniqueTopic('utf8')}/é/😀`;
    const { client, connack } = await RawMqtt.connect5(suite.port, {
      clientId: `ü-${Date.now()}`,
      properties: { userProperties: { ключ: 'значение' } },
    });
    assert.equal(connack.reasonCode, 0);
    assert.deepEqual(await client.subscribe([{ topic: t, qos: 1 }]), [1]);
    client.send({ cmd: 'unsubscribe', messageId: 9, unsubscriptions: [t] });
    assert.deepEqual((await client.nextOf('unsuback')).granted, [0]);
    await client.disconnect();
  });
});
