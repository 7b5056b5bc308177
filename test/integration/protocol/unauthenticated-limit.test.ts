import { strict as assert } from 'node:assert';
import { generate } from 'mqtt-packet';
import { uniqueId } from '../helpers/adapter';
import { until } from '../helpers/wait';
import { useAdapter } from '../helpers/suite';
import { RawMqtt, connectPacket } from '../helpers/raw-mqtt';
import { useBystander } from '../helpers/bystander';
import { declaringSize } from '../helpers/declared-size';

const UNAUTHENTICATED = 4096;
const MAX_PACKET = 1024 * 1024;

/** An MQTT 5 CONNECT of exactly `size` bytes on the wire, padded where the login does not look: a user property. */
function connectOfSize(size: number): Buffer {
  const padded = (n: number): Buffer =>
    generate(connectPacket({ protocolVersion: 5, properties: { userProperties: { pad: 'p'.repeat(n) } } }));
  const bare = padded(0).length;
  // Padding may lengthen the Remaining Length and Properties Length fields by a few bytes.
  for (let extra = 0; extra <= 6; extra++) {
    const wire = padded(size - bare - extra);
    if (wire.length === size) return wire;
  }
  throw new Error(`no CONNECT of ${size} bytes`);
}

describe('protocol: the packet limit before CONNACK', function () {
  // Before useAdapter, so the bystander is checked before the suite's clean-up closes it.
  const bystander = useBystander(() => suite);
  const suite = useAdapter({
    MQTT_ADAPTER_MAX_PACKET_SIZE: String(MAX_PACKET),
    MQTT_ADAPTER_MAX_PACKET_SIZE_UNAUTHENTICATED: String(UNAUTHENTICATED),
  });

  it('refuses an oversized MQTT 5 CONNECT with CONNACK 0x95 before its body is sent [MQTT-3.2.2-7]', async () => {
    const c = await RawMqtt.open(suite.port, { protocolVersion: 5 });
    // Only the first bytes of a CONNECT the connected limit would take: an answer now proves the adapter
    // refused without waiting for (or holding) the rest.
    c.write(declaringSize(generate(connectPacket({ protocolVersion: 5 })), MAX_PACKET / 2));
    const connack = await c.nextOf('connack');
    assert.equal(connack.reasonCode, 0x95);
    await c.waitClosed();
  });

  it('closes an oversized MQTT 3.1.1 CONNECT, which has no return code for it, before its body is sent', async () => {
    const c = await RawMqtt.open(suite.port);
    c.write(declaringSize(generate(connectPacket()), MAX_PACKET / 2));
    await c.waitClosed();
    assert.deepEqual(c.packets, [], 'an oversized 3.1.1 CONNECT was answered');
  });

  it('accepts a CONNECT of exactly the limit and refuses one byte more', async () => {
    const fits = await RawMqtt.open(suite.port, { protocolVersion: 5 });
    fits.write(connectOfSize(UNAUTHENTICATED));
    assert.equal((await fits.nextOf('connack')).reasonCode, 0);
    const over = await RawMqtt.open(suite.port, { protocolVersion: 5 });
    over.write(connectOfSize(UNAUTHENTICATED + 1));
    assert.equal((await over.nextOf('connack')).reasonCode, 0x95);
    await over.waitClosed();
  });

  it('takes a PUBLISH up to the connected limit after CONNACK, and one pipelined behind CONNECT', async () => {
    const payloadBytes = MAX_PACKET - 1024;
    const { client: after, connack } = await RawMqtt.connect(suite.port, { clientId: uniqueId() });
    assert.equal(connack.returnCode, 0);
    const { client: watcher, topic } = bystander();
    after.sendPublish(topic, Buffer.alloc(payloadBytes, 'a'), 1, 1);
    assert.equal((await after.pubacks(1)).length, 1);

    // CONNECT and a large PUBLISH in one write, before CONNACK: the PUBLISH is framed at the connected limit.
    const pipelined = await RawMqtt.open(suite.port);
    const publish = generate({
      cmd: 'publish',
      topic,
      payload: Buffer.alloc(payloadBytes, 'b'),
      qos: 1,
      messageId: 1,
      retain: false,
      dup: false,
    });
    pipelined.write(Buffer.concat([generate(connectPacket({ clientId: uniqueId() })), publish]));
    assert.equal((await pipelined.nextOf('connack')).returnCode, 0);
    assert.equal((await pipelined.pubacks(1)).length, 1);

    await until(
      () => ['a', 'b'].every((c) => watcher.received.some((r) => r.payload === c.repeat(payloadBytes))),
      'both large messages at the bystander',
    );
  });
});
