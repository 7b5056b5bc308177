import { strict as assert } from 'node:assert';
import type { IPubackPacket, IPubrecPacket } from 'mqtt-packet';
import { startAdapter } from '../helpers/adapter';
import type { Adapter } from '../../../adapter/src/server';
import { uniqueTopic } from './support';
import { until } from '../helpers/wait';
import { useCleanup } from '../helpers/suite';
import { RawMqtt } from '../helpers/raw-mqtt';

/**
 * PUBACK / PUBREC 0x10 "no matching subscribers": the adapter publishes a v5
 * client's QoS > 0 messages as mandatory, so RabbitMQ's basic.return says no
 * queue took one. A v3 client's acks carry no reason code and are unchanged.
 */
describe('MQTT 5 "no matching subscribers" (issue 6)', function () {
  let adapter: Adapter;

  before(async function () {
    adapter = await startAdapter();
  });
  after(async function () {
    await adapter?.stop();
  });
  useCleanup();

  it('acknowledges an unroutable QoS 1 and QoS 2 PUBLISH with 0x10, a routed one with 0x00 [MQTT-3.4.2.1]', async function () {
    const { client: c } = await RawMqtt.connect5(adapter.ports.mqtt);
    const lonely = uniqueTopic('lonely');
    c.send({
      cmd: 'publish',
      topic: lonely,
      payload: Buffer.from('a'),
      qos: 1,
      retain: false,
      dup: false,
      messageId: 1,
    });
    const puback: IPubackPacket = await c.nextOf('puback');
    assert.equal(puback.messageId, 1);
    assert.equal(puback.reasonCode, 0x10);

    c.send({
      cmd: 'publish',
      topic: lonely,
      payload: Buffer.from('b'),
      qos: 2,
      retain: false,
      dup: false,
      messageId: 2,
    });
    const pubrec: IPubrecPacket = await c.nextOf('pubrec');
    assert.equal(pubrec.messageId, 2);
    assert.equal(pubrec.reasonCode, 0x10);

    const watched = uniqueTopic('watched');
    c.send({ cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: watched, qos: 1 }] });
    await c.nextOf('suback');
    c.send({
      cmd: 'publish',
      topic: watched,
      payload: Buffer.from('c'),
      qos: 1,
      retain: false,
      dup: false,
      messageId: 4,
    });
    const routed: IPubackPacket = await c.nextOf('puback');
    assert.equal(routed.messageId, 4);
    assert.ok(!routed.reasonCode, `expected success, got ${routed.reasonCode}`);
    // The delivery may overtake the PUBACK, so look among everything received.
    await until(() => c.all('publish').length > 0, 'the routed message to arrive');
    assert.equal(c.all('publish')[0]?.payload.toString(), 'c');
  });
});
