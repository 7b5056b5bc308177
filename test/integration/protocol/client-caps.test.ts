import { strict as assert } from 'node:assert';
import type { MqttClient } from 'mqtt';
import type { Packet } from 'mqtt-packet';
import type { Adapter } from '../../../adapter/src/server';
import { filterToBindingKey } from '../../../adapter/src/mqtt/topic';
import { parseShared, sharedQueueName } from '../../../adapter/src/session/shared';
import { queueNameFor } from '../../../adapter/src/session/subscriptions';
import { startAdapter, uniqueId } from '../helpers/adapter';
import { Child } from '../helpers/clients';
import { Mqtt } from '../helpers/mqttjs';
import { RawMqtt } from '../helpers/raw-mqtt';
import { bindingKeys, deleteQueues, findQueue } from '../helpers/rabbit';
import { useCleanup } from '../helpers/suite';
import { until, within } from '../helpers/wait';
import { V5, deleteRedisKeys, storeEnv } from '../v5/support';

const SUBSCRIPTION_CAP = 3;
const QOS2_CAP = 4;
const WINDOW = 4;

/** The SUBACK codes of one SUBSCRIBE through mqtt.js, which rejects (with the SUBACK) when any filter failed. */
async function subackCodes(client: MqttClient, filters: string[]): Promise<number[]> {
  try {
    const granted = await within(client.subscribeAsync(filters, { qos: 1 }), 7000, 'SUBACK');
    return granted.map((g) => g.qos);
  } catch (err) {
    const suback = (err as { packet?: { granted?: number[] } }).packet;
    if (!suback?.granted) throw err;
    return suback.granted;
  }
}

const keysOf = (filters: string[]): string[] => filters.map(filterToBindingKey).sort();

/**
 * Per-client caps through real clients, the real RabbitMQ and each store: a
 * filter past MQTT_ADAPTER_MAX_SUBSCRIPTIONS_PER_CLIENT is refused on its own
 * (v5 0x97, 3.1.1 0x80) with nothing bound or declared for it, also once a
 * persistent session at the cap is resumed; QoS 2 ids awaiting PUBREL are
 * capped for 3.1.1 (MQTT_ADAPTER_MAX_INFLIGHT_QOS2) and held to the Receive
 * Maximum for v5.
 */
describe('per-client caps: subscriptions and QoS 2 ids awaiting PUBREL', function () {
  for (const store of ['memory', 'redis'] as const) {
    describe(`${store} store`, function () {
      let adapter: Adapter;
      const queues = new Set<string>();
      const prefix = `mqtt-adapter-test-${uniqueId('caps')}:`;
      const topic = (what: string): string => `caps/${store}/${uniqueId(what)}`;

      before(async function () {
        adapter = await startAdapter({
          MQTT_ADAPTER_MAX_SUBSCRIPTIONS_PER_CLIENT: String(SUBSCRIPTION_CAP),
          MQTT_ADAPTER_MAX_INFLIGHT_QOS2: String(QOS2_CAP),
          MQTT_ADAPTER_INFLIGHT_WINDOW: String(WINDOW),
          ...storeEnv(store, prefix),
        });
      });
      after(async function () {
        await adapter?.stop();
        if (queues.size > 0) await deleteQueues(queues);
        if (store === 'redis') await deleteRedisKeys(prefix);
      });
      useCleanup();

      it('v5 (mqtt.js): the filter past the cap gets 0x97, nothing is bound or declared for it, and the resumed session still refuses it', async function () {
        // rabbitmqctl takes seconds per call on a busy node.
        this.timeout(60_000);
        const clientId = uniqueId('capv5');
        const queue = queueNameFor(clientId);
        queues.add(queue);
        const persistent = { clientId, clean: false, properties: { sessionExpiryInterval: 600 } };
        const [a, b, c, d] = [topic('a'), topic('b'), topic('c'), topic('d')];
        const shared = `$share/g${uniqueId('grp').slice(-6)}/${topic('s')}`;
        const sharedSpec = parseShared(shared);
        assert.ok(sharedSpec && sharedSpec !== 'invalid');
        const sharedQueue = sharedQueueName(sharedSpec);
        queues.add(sharedQueue);

        const first = await V5.connect(adapter.ports.mqtt, persistent);
        assert.deepEqual(await subackCodes(first.client, [a, b]), [1, 1]);
        assert.deepEqual(
          await subackCodes(first.client, [c, d, a]),
          [1, 0x97, 1],
          'per filter; a held one is only replaced',
        );
        assert.deepEqual(await subackCodes(first.client, [shared]), [0x97]);
        assert.equal(await findQueue(sharedQueue), undefined, "no shared group's queue for a refused filter");
        await first.disconnect();

        const again = await V5.connect(adapter.ports.mqtt, persistent);
        assert.equal(again.connack?.sessionPresent, true);
        assert.deepEqual(await subackCodes(again.client, [d]), [0x97], 'the restored filters count');
        assert.deepEqual(await bindingKeys(queue), keysOf([a, b, c]));

        // Nothing reaches the client on the refused filter; a message after it on a held one shows it would have.
        const pub = await V5.connect(adapter.ports.mqtt);
        await pub.publish(d, 'refused', { qos: 1 });
        await pub.publish(a, 'held', { qos: 1 });
        await again.waitFor('held');
        assert.deepEqual(again.payloads(), ['held']);

        await within(again.client.unsubscribeAsync(a), 7000, 'UNSUBACK');
        assert.deepEqual(await subackCodes(again.client, [d]), [1], 'unsubscribing freed room');
        assert.deepEqual(await bindingKeys(queue), keysOf([b, c, d]));
        await again.disconnect({ sessionExpiryInterval: 0 });
        await until(async () => (await findQueue(queue)) === undefined, 'the ended session’s queue gone');
      });

      it('3.1.1 (mqtt.js): the filter past the cap gets 0x80, also after the persistent session resumes', async function () {
        // rabbitmqctl takes seconds per call on a busy node.
        this.timeout(60_000);
        const clientId = uniqueId('capv3');
        const queue = queueNameFor(clientId);
        queues.add(queue);
        const [a, b, c, d] = [topic('a'), topic('b'), topic('c'), topic('d')];
        const first = await Mqtt.connect(adapter.ports.mqtt, { clientId, clean: false });
        assert.deepEqual(await subackCodes(first.client, [a, b, c, d]), [1, 1, 1, 0x80]);
        await first.end();
        const again = await Mqtt.connect(adapter.ports.mqtt, { clientId, clean: false });
        assert.deepEqual(await subackCodes(again.client, [d]), [0x80]);
        assert.deepEqual(await bindingKeys(queue), keysOf([a, b, c]));
        await again.end();
        // A clean session ends the stored one and its queue.
        const done = await Mqtt.connect(adapter.ports.mqtt, { clientId, clean: true });
        await done.end();
        await until(async () => (await findQueue(queue)) === undefined, 'the ended session’s queue gone');
      });

      it('3.1.1: a new QoS 2 PUBLISH past the cap of ids awaiting PUBREL closes the connection, also after a resume; none is lost or doubled', async function () {
        const clientId = uniqueId('q2v3');
        const t = topic('q2');
        const sub = await Mqtt.connect(adapter.ports.mqtt);
        assert.deepEqual(await sub.subscribe(t, 1), [1]);
        const persistent = { clientId, clean: false } as const;
        const qos2 = (id: number, payload: string): Packet => ({
          cmd: 'publish',
          topic: t,
          payload: Buffer.from(payload),
          qos: 2,
          retain: false,
          dup: false,
          messageId: id,
        });

        const first = await RawMqtt.connect(adapter.ports.mqtt, persistent);
        for (let id = 1; id <= QOS2_CAP; id++) {
          first.client.send(qos2(id, `m${id}`));
          assert.equal((await first.client.nextOf('pubrec')).messageId, id);
        }
        first.client.send(qos2(QOS2_CAP + 1, 'over-1'));
        await first.client.waitClosed();
        assert.equal(first.client.all('pubrec').length, QOS2_CAP, 'no PUBREC for the PUBLISH past the cap');

        const second = await RawMqtt.connect(adapter.ports.mqtt, persistent);
        assert.equal(second.connack.sessionPresent, true);
        second.client.send(qos2(QOS2_CAP + 2, 'over-2'));
        await second.client.waitClosed();
        assert.equal(second.client.all('pubrec').length, 0, 'the stored ids still count');

        const third = await RawMqtt.connect(adapter.ports.mqtt, persistent);
        for (let id = 1; id <= QOS2_CAP; id++) {
          third.client.send({ cmd: 'pubrel', messageId: id });
          assert.equal((await third.client.nextOf('pubcomp')).messageId, id);
        }
        await third.client.publish(t, 'after-release', 2);
        await sub.waitFor('after-release', t);
        const expected = [...Array.from({ length: QOS2_CAP }, (_, i) => `m${i + 1}`), 'after-release'];
        const got = sub.received.map((r) => r.payload);
        const lost = expected.filter((p) => !got.includes(p));
        const doubled = got.filter((p, i) => got.indexOf(p) !== i);
        const refused = got.filter((p) => p.startsWith('over'));
        assert.deepEqual({ lost, doubled, refused }, { lost: [], doubled: [], refused: [] });
        await third.client.disconnect();
        const done = await RawMqtt.connect(adapter.ports.mqtt, { clientId, clean: true });
        await done.client.disconnect();
      });

      it('v5: QoS 2 ids awaiting PUBREL count against the Receive Maximum; one more PUBLISH is DISCONNECT 0x93', async function () {
        const t = topic('rm');
        const sub = await V5.connect(adapter.ports.mqtt);
        await sub.subscribe(t, { qos: 1 });
        const { client, connack } = await RawMqtt.connect5(adapter.ports.mqtt);
        assert.equal(connack.properties?.receiveMaximum, WINDOW);
        for (let id = 1; id <= WINDOW; id++) {
          client.sendPublish(t, `m${id}`, 2, id);
          assert.equal((await client.nextOf('pubrec')).messageId, id);
        }
        client.sendPublish(t, 'over', 1, WINDOW + 1);
        assert.equal((await client.serverClose()).reasonCode, 0x93);
        assert.equal(client.all('puback').length, 0);
        await sub.waitCount(WINDOW);
        await sub.publish(t, 'end', { qos: 1 });
        await sub.waitFor('end');
        assert.deepEqual(sub.payloads(), ['m1', 'm2', 'm3', 'm4', 'end']);
      });
    });
  }

  describe('mosquitto_sub', function () {
    let adapter: Adapter;
    before(async function () {
      adapter = await startAdapter({ MQTT_ADAPTER_MAX_SUBSCRIPTIONS_PER_CLIENT: '1' });
    });
    after(async function () {
      await adapter?.stop();
    });
    useCleanup();

    it('an MQTT 5 mosquitto_sub sees 0x97 (151) for the filter past the cap and keeps the one granted', async function () {
      const [a, b] = [`caps/mosq/${uniqueId('a')}`, `caps/mosq/${uniqueId('b')}`];
      const login = ['-h', '127.0.0.1', '-p', String(adapter.ports.mqtt), '-u', 'guest', '-P', 'guest'];
      // stdbuf: mosquitto_sub block-buffers stdout into a pipe, which would hide the SUBACK line.
      const sub = new Child('stdbuf', [
        '-oL',
        'mosquitto_sub',
        ...login,
        '-V',
        'mqttv5',
        '-i',
        uniqueId('mosq-cap'),
        '-t',
        a,
        '-t',
        b,
        '-q',
        '1',
        '-C',
        '1',
        '-v',
        '-d',
        '-W',
        '20',
      ]);
      await sub.waitForOutput(/Subscribed \(mid: \d+\): 1, 151/);
      const pub = await V5.connect(adapter.ports.mqtt);
      await pub.publish(a, 'granted', { qos: 1 });
      const { code, stdout } = await sub.finished();
      assert.equal(code, 0);
      assert.match(stdout, new RegExp(`^${a} granted$`, 'm'));
    });
  });
});
