import { strict as assert } from 'node:assert';
import * as amqp from 'amqplib';
import type { IConnectPacket } from 'mqtt-packet';
import { queueNameFor } from '../../../adapter/src/session/subscriptions';
import { startAdapter, uniqueId } from '../helpers/adapter';
import { delay } from '../helpers/wait';
import { useAdapter } from '../helpers/suite';
import { RawMqtt } from '../helpers/raw-mqtt';
import { Mqtt } from '../helpers/mqttjs';

describe('protocol: keepalive, PING, wills and takeover', function () {
  const suite = useAdapter();
  let willTopic: string;
  let watcher: Mqtt;

  beforeEach(async () => {
    willTopic = `will/${uniqueId()}`;
    watcher = await Mqtt.connect(suite.port);
    await watcher.subscribe(willTopic, 1);
  });

  const will = (payload: string): IConnectPacket['will'] => ({
    topic: willTopic,
    payload: Buffer.from(payload),
    qos: 1,
    retain: false,
  });

  it('disconnects a client silent for 1.5x its keepalive and publishes its will [MQTT-3.1.2-24]', async () => {
    const started = Date.now();
    const { client: raw, connack } = await RawMqtt.connect(suite.port, {
      clientId: uniqueId(),
      keepalive: 1,
      will: will('timed out'),
    });
    assert.equal(connack.returnCode, 0);
    await raw.waitClosed(9000);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 1450, `closed after ${elapsed} ms, before 1.5 x keepalive`);
    // Generous: the machine may be loaded; a keepalive that is never enforced fails either way.
    assert.ok(elapsed < 7000, `closed only after ${elapsed} ms`);
    const got = await watcher.waitFor('timed out', willTopic);
    assert.equal(got.qos, 1);
  });

  it('answers PINGREQ with PINGRESP and keeps a pinging client connected past 1.5x its keepalive', async () => {
    const { client: raw, connack } = await RawMqtt.connect(suite.port, {
      clientId: uniqueId(),
      keepalive: 2,
    });
    assert.equal(connack.returnCode, 0);
    const until = Date.now() + 3500;
    while (Date.now() < until) {
      raw.send({ cmd: 'pingreq' });
      assert.equal((await raw.next()).cmd, 'pingresp');
      await delay(400);
    }
    assert.equal(raw.isClosed, false, 'closed although it kept pinging within the keepalive');
  });

  it('publishes the will when the connection drops without DISCONNECT', async () => {
    const { client: raw, connack } = await RawMqtt.connect(suite.port, {
      clientId: uniqueId(),
      will: will('dropped'),
    });
    assert.equal(connack.returnCode, 0);
    raw.socket.destroy();
    await watcher.waitFor('dropped', willTopic);
  });

  it('publishes the will when the server closes the connection for a protocol error [MQTT-3.1.2-8]', async () => {
    const { client: raw, connack } = await RawMqtt.connect(suite.port, {
      clientId: uniqueId(),
      will: will('protocol error'),
    });
    assert.equal(connack.returnCode, 0);
    raw.send({
      cmd: 'publish',
      topic: 'no/+/wildcards',
      payload: Buffer.from('x'),
      qos: 0,
      retain: false,
      dup: false,
    });
    await raw.waitClosed();
    await watcher.waitFor('protocol error', willTopic);
  });

  it('never publishes the will after DISCONNECT [MQTT-3.14.4-3]', async () => {
    const clientId = uniqueId();
    const { client: raw, connack } = await RawMqtt.connect(suite.port, {
      clientId,
      will: will('must not appear'),
    });
    assert.equal(connack.returnCode, 0);
    raw.send({ cmd: 'disconnect' });
    await raw.waitClosed();
    // Connecting again with the id waits until the old session has fully closed (and would have sent its will).
    const { connack: again } = await RawMqtt.connect(suite.port, { clientId });
    assert.equal(again.returnCode, 0);
    const pub = await Mqtt.connect(suite.port);
    await pub.publish(willTopic, 'marker', 1);
    await watcher.waitFor('marker', willTopic);
    assert.deepEqual(
      watcher.received.map((r) => r.payload),
      ['marker'],
    );
  });

  it('closes the first connection when a second one connects with its client id [MQTT-3.1.4-2]', async () => {
    const clientId = uniqueId();
    const first = await Mqtt.connect(suite.port, { clientId });
    const second = await Mqtt.connect(suite.port, { clientId });
    await first.closed();
    const topic = `takeover/${uniqueId()}`;
    await second.subscribe(topic, 1);
    await second.publish(topic, 'still here', 1);
    await second.waitFor('still here', topic);
    assert.equal(second.isClosed, false);
  });
});

describe('protocol: stopping the adapter right after clients dropped', function () {
  // The watcher sits on a second adapter, which keeps running.
  const other = useAdapter();

  it("still publishes their wills and deletes their clean sessions' queues", async () => {
    const willTopic = `will/${uniqueId()}`;
    const watcher = await Mqtt.connect(other.port);
    await watcher.subscribe(willTopic, 1);
    const adapter = await startAdapter();
    const ids = [...Array(5).keys()].map(() => uniqueId());
    try {
      const clients = await Promise.all(
        ids.map((clientId) =>
          Mqtt.connect(adapter.ports.mqtt, {
            clientId,
            will: { topic: willTopic, payload: Buffer.from(clientId), qos: 1, retain: false },
          }),
        ),
      );
      await Promise.all(clients.map((c) => c.subscribe(`${willTopic}/${c.client.options.clientId}`, 1)));
      // Dropped without DISCONNECT. The drain starts the moment the adapter has seen the sockets go,
      // while their sessions are still closing (publishing wills, deleting queues).
      await Promise.all(clients.map((c) => c.end()));
      const open = async (): Promise<number> =>
        (await adapter.metrics.connections.get()).values.reduce((n, v) => n + v.value, 0);
      while ((await open()) > 0) await new Promise((r) => setImmediate(r));
    } finally {
      await adapter.stop();
    }
    for (const id of ids) await watcher.waitFor(id, willTopic);
    const amqpConn = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
    try {
      for (const id of ids) {
        const ch = await amqpConn.createChannel();
        ch.on('error', () => undefined);
        await assert.rejects(ch.checkQueue(queueNameFor(id)), /404/, `queue of ${id} left behind`);
      }
    } finally {
      await amqpConn.close();
    }
  });
});
