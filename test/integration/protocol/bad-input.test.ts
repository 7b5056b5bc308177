import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { generate } from 'mqtt-packet';
import { uniqueId } from '../helpers/adapter';
import { until } from '../helpers/wait';
import { closeAll } from '../helpers/cleanup';
import { useAdapter } from '../helpers/suite';
import { RawMqtt, connectPacket } from '../helpers/raw-mqtt';
import { Mqtt, assertServing } from '../helpers/mqttjs';

const MAX_PACKET = 1024;
const CONNECT_TIMEOUT_MS = 300;

/** A PUBLISH written byte by byte, so the topic, flags and packet id can be anything at all. */
function publishBytes(topic: Buffer, payload: string, header = 0x30, packetId?: number): Buffer {
  const id = packetId === undefined ? [] : [packetId >> 8, packetId & 0xff];
  const body = Buffer.concat([
    Buffer.from([topic.length >> 8, topic.length & 0xff]),
    topic,
    Buffer.from(id),
    Buffer.from(payload),
  ]);
  return Buffer.concat([Buffer.from([header, body.length]), body]);
}

describe('protocol: bad input closes only the offending connection', function () {
  // Registered before the suite's own clean-up, so the bystander is checked while still connected.
  afterEach(async function () {
    if (this.currentTest?.state === 'passed') {
      // The bystander is untouched and the process still serves new clients.
      assert.equal(observer.isClosed, false, 'the other client was disconnected');
      const pub = await Mqtt.connect(suite.port);
      await pub.publish(topic, 'after', 1);
      await observer.waitFor('after', topic);
      await pub.end();
      await until(() => suite.adapter.connectionCount === 1, 'only the observer left connected');
      await assertServing(suite.port);
    }
    await closeAll();
  });

  const suite = useAdapter({
    MQTT_ADAPTER_MAX_PACKET_SIZE: String(MAX_PACKET),
    MQTT_ADAPTER_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
  });
  let topic: string;
  let observer: Mqtt;

  beforeEach(async () => {
    topic = `bad/${uniqueId()}`;
    observer = await Mqtt.connect(suite.port);
    await observer.subscribe(topic, 1);
  });

  /** A connected raw client (CONNACK 0 seen). */
  async function connected(keepalive = 0): Promise<RawMqtt> {
    const { client: c, connack } = await RawMqtt.connect(suite.port, { clientId: uniqueId(), keepalive });
    assert.equal(connack.returnCode, 0);
    return c;
  }

  it('random bytes instead of CONNECT', async () => {
    for (let i = 0; i < 10; i++) {
      const c = await RawMqtt.open(suite.port);
      c.write(randomBytes(1 + Math.floor(Math.random() * 200)));
      await c.waitClosed(5000);
      assert.equal(c.unread.length, 0, 'nothing answers garbage');
    }
  });

  it('random bytes after CONNECT', async () => {
    for (let i = 0; i < 3; i++) {
      const c = await connected(1);
      // The stream may happen to hold whole packets; whatever it holds, the connection ends (at the latest by keepalive).
      c.write(randomBytes(200));
      await c.waitClosed(7000);
    }
  });

  it('a truncated packet, then the client closes', async () => {
    const c = await connected();
    const whole = generate({
      cmd: 'publish',
      topic,
      payload: Buffer.from('half'),
      qos: 1,
      messageId: 1,
      retain: false,
      dup: false,
    });
    c.write(whole.subarray(0, whole.length - 3));
    c.end();
    await c.waitClosed();
    const half = await RawMqtt.open(suite.port);
    const connect = generate(connectPacket({ clientId: uniqueId() }));
    half.write(connect.subarray(0, 8));
    half.end();
    await half.waitClosed();
    await until(() => suite.adapter.connectionCount === 1, 'the truncated connections are gone');
    assert.ok(!observer.received.some((r) => r.payload === 'half'), 'a truncated PUBLISH was delivered');
  });

  it('a remaining length of 5 bytes [MQTT-2.2.3]', async () => {
    const before = await RawMqtt.open(suite.port);
    before.write([0x10, 0xff, 0xff, 0xff, 0xff, 0x01]);
    await before.waitClosed();
    const after = await connected();
    after.write([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]);
    await after.waitClosed();
  });

  it('a remaining length too short for the packet it frames', async () => {
    const c = await connected();
    // SUBSCRIBE that claims 3 bytes: packet id and one byte of a topic length.
    c.write([0x82, 0x03, 0x00, 0x01, 0x00]);
    await c.waitClosed();
  });

  it('a first packet that is not CONNECT [MQTT-3.1.0-1]', async () => {
    for (const p of [
      { cmd: 'pingreq' as const },
      { cmd: 'subscribe' as const, messageId: 1, subscriptions: [{ topic, qos: 0 as const }] },
    ]) {
      const c = await RawMqtt.open(suite.port);
      c.send(p);
      await c.waitClosed();
      assert.deepEqual(c.unread, [], `${p.cmd} was answered`);
    }
  });

  it('a second CONNECT [MQTT-3.1.0-2]', async () => {
    const c = await connected();
    c.send(connectPacket({ clientId: uniqueId() }));
    await c.waitClosed();
    assert.deepEqual(c.unread, [], 'the second CONNECT was answered');
  });

  it('a packet over MQTT_ADAPTER_MAX_PACKET_SIZE, refused from its header', async () => {
    const fits = await connected();
    fits.send({
      cmd: 'publish',
      topic,
      payload: Buffer.alloc(MAX_PACKET - 100, 'a'),
      qos: 0,
      retain: false,
      dup: false,
    });
    await until(
      () => observer.received.some((r) => r.payload.length === MAX_PACKET - 100),
      'the largest allowed packet',
    );
    fits.send({ cmd: 'disconnect' });
    await fits.waitClosed();
    const big = await connected();
    big.send({
      cmd: 'publish',
      topic,
      payload: Buffer.alloc(MAX_PACKET + 1, 'b'),
      qos: 0,
      retain: false,
      dup: false,
    });
    await big.waitClosed();
    // Only the fixed header of a 10 MB packet: refused without waiting for the body.
    const header = await connected();
    header.write([0x30, 0x80, 0x80, 0x80, 0x05]);
    await header.waitClosed();
    assert.ok(
      !observer.received.some((r) => r.payload.startsWith('b')),
      'an oversized PUBLISH was delivered',
    );
  });

  it('invalid UTF-8 in a PUBLISH topic [MQTT-1.5.3-1]', async () => {
    const c = await connected();
    c.write(publishBytes(Buffer.concat([Buffer.from(`${topic}/`), Buffer.from([0xc3, 0x28])]), 'bad utf8'));
    await c.waitClosed();
    // A truncated 4-byte sequence decodes to one U+FFFD of the same length, so only a byte check catches it.
    const d = await connected();
    d.write(
      publishBytes(Buffer.concat([Buffer.from(`${topic}/`), Buffer.from([0xf0, 0x9f, 0x98])]), 'bad utf8'),
    );
    await d.waitClosed();
  });

  it('invalid UTF-8 in a SUBSCRIBE filter [MQTT-1.5.3-1]', async () => {
    const c = await connected();
    const filter = Buffer.from([0x61, 0x2f, 0xff]);
    const body = Buffer.concat([Buffer.from([0x00, 0x05, 0x00, filter.length]), filter, Buffer.from([0x01])]);
    c.write(Buffer.concat([Buffer.from([0x82, body.length]), body]));
    await c.waitClosed();
    assert.deepEqual(c.unread, [], 'the SUBSCRIBE was answered');
  });

  it('packet identifier 0, DUP on QoS 0, UNSUBSCRIBE without filters [MQTT-2.3.1-1] [MQTT-3.3.1-2] [MQTT-3.10.3-2]', async () => {
    const t = Buffer.from(topic);
    const cases: Record<string, Buffer | number[]> = {
      'QoS 1 PUBLISH with packet id 0': publishBytes(t, 'id 0', 0x32, 0),
      'QoS 0 PUBLISH with DUP': publishBytes(t, 'dup 0', 0x38),
      'SUBSCRIBE with packet id 0': [0x82, 0x06, 0x00, 0x00, 0x00, 0x01, 0x61, 0x00],
      'UNSUBSCRIBE with packet id 0': [0xa2, 0x05, 0x00, 0x00, 0x00, 0x01, 0x61],
      'UNSUBSCRIBE without filters': [0xa2, 0x02, 0x00, 0x01],
    };
    for (const [what, bytes] of Object.entries(cases)) {
      const c = await connected();
      c.write(bytes);
      await c.waitClosed();
      assert.deepEqual(c.unread, [], `${what} was answered`);
    }
    assert.ok(
      !observer.received.some((r) => r.payload === 'id 0' || r.payload === 'dup 0'),
      'a bad PUBLISH was routed',
    );
  });

  it('a client that never sends CONNECT, closed after MQTT_ADAPTER_CONNECT_TIMEOUT_MS', async () => {
    const started = Date.now();
    const c = await RawMqtt.open(suite.port);
    await c.waitClosed(5000);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= CONNECT_TIMEOUT_MS - 50, `closed after ${elapsed} ms`);
  });
});
