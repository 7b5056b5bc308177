import { strict as assert } from 'node:assert';
import { useHeldAdapter } from '../helpers/held-adapter';
import { RawMqtt } from '../helpers/raw-mqtt';
import { delay } from '../helpers/wait';
import { routingKey, uniqueTopic } from './support';

const WINDOW = 3;

/**
 * The server's Receive Maximum against a client that sends its QoS 2
 * PUBLISHes one write at a time and never releases them, while RabbitMQ's
 * confirms are held back (the adapter reaches RabbitMQ through a proxy): the
 * PUBLISH past the limit is DISCONNECT 0x93 [MQTT-3.3.4-9] however it arrives,
 * not a socket the adapter stops reading while the client waits for an answer.
 */
describe('MQTT 5 Receive Maximum exceeded one PUBLISH per write', function () {
  const held = useHeldAdapter({ MQTT_ADAPTER_INFLIGHT_WINDOW: String(WINDOW) });

  /** A v5 client whose confirm channel is open (its handshake needs RabbitMQ's replies), then confirms held. */
  const heldClient = async (topic: string): Promise<RawMqtt> => {
    const { client, connack } = await RawMqtt.connect5(held.current.adapter.ports.mqtt);
    assert.equal(connack.properties?.receiveMaximum, WINDOW);
    await client.publish(topic, 'warm-up', 1);
    held.current.proxy.hold();
    return client;
  };

  /** Sends QoS 2 PUBLISHes with ids 1..n, each in its own write, a little apart, never PUBREL. */
  const sendApart = async (client: RawMqtt, topic: string, n: number): Promise<void> => {
    for (let id = 1; id <= n && !client.isClosed; id++) {
      client.sendPublish(topic, `m${id}`, 2, id);
      await delay(30);
    }
  };

  it('a QoS 2 PUBLISH past the Receive Maximum, sent alone before any answer, is DISCONNECT 0x93 within a deadline', async function () {
    const topic = uniqueTopic('rm-over');
    const q = await held.current.amqp.consumeBound([routingKey(topic)]);
    const client = await heldClient(topic);
    await sendApart(client, topic, WINDOW + 1);
    assert.equal((await client.serverClose(3000)).reasonCode, 0x93);
    held.current.proxy.release();
    // Those within the limit went to RabbitMQ once each; the one past it not at all.
    await q.waitFor(1 + WINDOW);
    const payloads = q.messages.map((m) => m.content.toString());
    assert.deepEqual(payloads, ['warm-up', ...Array.from({ length: WINDOW }, (_, i) => `m${i + 1}`)]);
  });

  it('a client that stays within the Receive Maximum is not disconnected, and is answered once RabbitMQ confirms', async function () {
    const topic = uniqueTopic('rm-within');
    const client = await heldClient(topic);
    await sendApart(client, topic, WINDOW);
    client.send({ cmd: 'pingreq' });
    await client.nextOf('pingresp');
    assert.equal(client.all('pubrec').length, 0, 'no PUBREC before RabbitMQ confirmed');
    held.current.proxy.release();
    for (let id = 1; id <= WINDOW; id++) assert.equal((await client.nextOf('pubrec')).messageId, id);
    // Releasing one makes room for one more, again one write at a time.
    client.send({ cmd: 'pubrel', messageId: 1 });
    await client.nextOf('pubcomp');
    client.sendPublish(topic, 'again', 2, 1);
    assert.equal((await client.nextOf('pubrec')).messageId, 1);
    assert.equal(client.isClosed, false);
    assert.equal(client.all('disconnect').length, 0);
    await client.disconnect();
  });
});
