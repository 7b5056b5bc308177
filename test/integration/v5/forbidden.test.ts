import { strict as assert } from 'node:assert';
import { generate, type Packet } from 'mqtt-packet';
import { GUEST, startAdapter, uniqueId } from '../helpers/adapter';
import type { Adapter } from '../../../adapter/src/server';
import { uniqueTopic } from './support';
import { useCleanup } from '../helpers/suite';
import { RawMqtt } from '../helpers/raw-mqtt';

const v5 = (p: Packet): Buffer => generate(p, { protocolVersion: 5 });

/** A v5 CONNECT with these properties, as bytes (mqtt-packet writes values the spec forbids). */
const connectBytes = (properties: Record<string, number>): Buffer =>
  v5({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 5,
    clean: true,
    keepalive: 0,
    clientId: uniqueId('forbidden'),
    username: GUEST.username,
    password: Buffer.from(GUEST.password),
    properties,
  });

/**
 * Property and flag combinations the MQTT 5 spec forbids: the adapter answers
 * with the spec's reason code (CONNACK before the session, DISCONNECT after)
 * and closes the connection [MQTT-4.13.1-1].
 */
describe('MQTT 5 forbidden properties and flags (issue 6)', function () {
  let adapter: Adapter;

  before(async function () {
    adapter = await startAdapter();
  });
  after(async function () {
    await adapter?.stop();
  });
  useCleanup();

  for (const [name, props] of [
    ['Receive Maximum 0 (3.1.2.11.3)', { receiveMaximum: 0 }],
    ['Maximum Packet Size 0 (3.1.2.11.4)', { maximumPacketSize: 0 }],
  ] as const) {
    it(`refuses a CONNECT with ${name} with CONNACK 0x82 and closes`, async function () {
      const c = await RawMqtt.open(adapter.ports.mqtt, { protocolVersion: 5 });
      c.write(connectBytes(props));
      const connack = await c.nextOf('connack');
      assert.equal(connack.reasonCode, 0x82);
      await c.serverClose();
    });
  }

  /** Connects, sends `bytes`, and returns the DISCONNECT reason the server closed with. */
  async function closeReason(bytes: Buffer): Promise<number | undefined> {
    const { client: c, connack } = await RawMqtt.connect5(adapter.ports.mqtt);
    assert.equal(connack.reasonCode, 0);
    c.write(bytes);
    return (await c.serverClose()).reasonCode;
  }

  it('disconnects with 0x82 on a Subscription Identifier in a PUBLISH from the client [MQTT-3.3.4-6]', async function () {
    const reason = await closeReason(
      v5({
        cmd: 'publish',
        topic: uniqueTopic('subid-in-publish'),
        payload: Buffer.from('x'),
        qos: 0,
        retain: false,
        dup: false,
        properties: { subscriptionIdentifier: 5 },
      }),
    );
    assert.equal(reason, 0x82);
  });

  it('disconnects with 0x82 on a Subscription Identifier of 0 (3.8.2.1.2)', async function () {
    const reason = await closeReason(
      v5({
        cmd: 'subscribe',
        messageId: 1,
        subscriptions: [{ topic: uniqueTopic('subid0'), qos: 0 }],
        properties: { subscriptionIdentifier: 0 },
      }),
    );
    assert.equal(reason, 0x82);
  });

  it('disconnects with 0x81 on Retain Handling 3 [MQTT-3.8.3-5]', async function () {
    const bytes = v5({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [{ topic: uniqueTopic('rh3'), qos: 0, rh: 2 }],
    });
    // The options byte is the last one: set Retain Handling (bits 4-5) to 3.
    bytes[bytes.length - 1] |= 0x30;
    assert.equal(await closeReason(bytes), 0x81);
  });

  it('disconnects with 0x82 on a SUBSCRIBE without any filter [MQTT-3.8.3-2]', async function () {
    // Fixed header 0x82, remaining length 3: packet id 1, property length 0, no payload.
    assert.equal(await closeReason(Buffer.from([0x82, 0x03, 0x00, 0x01, 0x00])), 0x82);
  });

  it('disconnects with 0x81 on a PUBLISH at QoS 3 [MQTT-3.3.1-4]', async function () {
    const bytes = v5({
      cmd: 'publish',
      topic: uniqueTopic('qos3'),
      payload: Buffer.from('x'),
      qos: 1,
      messageId: 1,
      retain: false,
      dup: false,
    });
    bytes[0] |= 0x06;
    assert.equal(await closeReason(bytes), 0x81);
  });

  it('disconnects with 0x82 on AUTH when the CONNECT had no Authentication Method (section 4.12)', async function () {
    assert.equal(await closeReason(v5({ cmd: 'auth', reasonCode: 0x18 })), 0x82);
  });

  it('disconnects with 0x82 on a second CONNECT [MQTT-3.1.0-2]', async function () {
    assert.equal(await closeReason(connectBytes({})), 0x82);
  });
});
