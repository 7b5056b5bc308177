import { strict as assert } from 'node:assert';
import { filterToBindingKey } from '../../../adapter/src/mqtt/topic';
import { uniqueId } from '../helpers/adapter';
import { useHeldAdapter } from '../helpers/held-adapter';
import { onCleanup } from '../helpers/cleanup';
import { RawMqtt } from '../helpers/raw-mqtt';
import { bindingKeys, deleteQueues } from '../helpers/rabbit';
import { until } from '../helpers/wait';
import { consumersOf } from './consumer-count';
import { sessionQueue } from './fixture';

const CONFIRM_TIMEOUT_MS = 2000;
/** basic.consume-ok: class 60, method 21. */
const CONSUME_OK: [number, number] = [60, 21];
/** queue.bind-ok: class 50, method 21. */
const BIND_OK: [number, number] = [50, 21];
/** queue.declare-ok: class 50, method 11. */
const DECLARE_OK: [number, number] = [50, 11];

/*
 * RabbitMQ does what it is asked (starts a consumer, makes a binding) and its
 * reply is slow to come back (a connection it stopped reading, a stalled node,
 * a queue process that hangs): the proxy between the adapter and RabbitMQ
 * holds that reply and everything after it. The wait ends at
 * MQTT_ADAPTER_CONFIRM_TIMEOUT_MS, and what RabbitMQ did for the request
 * given up is undone once its reply comes.
 */
describe('amqp-side: replies RabbitMQ sends late (MQTT_ADAPTER_CONFIRM_TIMEOUT_MS)', function () {
  this.timeout(60_000);
  const held = useHeldAdapter({ MQTT_ADAPTER_CONFIRM_TIMEOUT_MS: String(CONFIRM_TIMEOUT_MS) });

  /** A persistent session, whose queue outlives the connection: what is left on it is seen. */
  async function persistent(name: string): Promise<{ client: RawMqtt; id: string; queue: string }> {
    const id = uniqueId(name);
    const queue = sessionQueue(id);
    onCleanup(() => deleteQueues([queue]));
    const { client, connack } = await RawMqtt.connect(held.current.adapter.ports.mqtt, {
      clientId: id,
      clean: false,
    });
    onCleanup(() => void client.socket.destroy());
    assert.equal(connack.returnCode, 0);
    return { client, id, queue };
  }

  it('ends a consume on the shared channel at its deadline, and cancels the consumer its late consume-ok announces', async function () {
    const { client, id, queue } = await persistent('consume-late');
    held.current.proxy.holdFrom(...CONSUME_OK);
    const sent = Date.now();
    // The queue is made and bound before the SUBACK; its consume starts behind it.
    assert.deepEqual(await client.subscribe([{ topic: `${id}/t`, qos: 1 }]), [1]);
    // Without the deadline the session waited for the consume until the AMQP heartbeat gave the connection up.
    await client.waitClosed(CONFIRM_TIMEOUT_MS + 5000);
    const took = Date.now() - sent;
    console.log(`      closed ${took} ms after the SUBSCRIBE (deadline ${CONFIRM_TIMEOUT_MS} ms)`);
    assert.ok(took >= CONFIRM_TIMEOUT_MS - 100, `not before the deadline (${took} ms)`);
    assert.equal(await consumersOf(queue), 1, 'RabbitMQ started the consumer');

    held.current.proxy.release();
    // The pooled connection stays open for 30 s after its last client: the consumer must go before that.
    await until(async () => (await consumersOf(queue)) === 0, 'no consumer left on the queue', 10_000);
  });

  it('refuses a filter whose bind-ok comes late at the deadline, and leaves no binding for it', async function () {
    const { client, id, queue } = await persistent('bind-late');
    const kept = `${id}/kept`;
    const late = `${id}/late`;
    assert.deepEqual(await client.subscribe([{ topic: kept, qos: 1 }]), [1]);
    // The SUBACK goes ahead of the consume-ok of the queue's consumer, which the hold must not catch.
    await until(async () => (await consumersOf(queue)) === 1, 'the queue consumed');

    held.current.proxy.holdFrom(...BIND_OK);
    const sent = Date.now();
    assert.deepEqual(await client.subscribe([{ topic: late, qos: 1 }]), [0x80]);
    const took = Date.now() - sent;
    console.log(`      SUBACK ${took} ms after the SUBSCRIBE (deadline ${CONFIRM_TIMEOUT_MS} ms)`);
    assert.ok(took >= CONFIRM_TIMEOUT_MS - 100, `not before the deadline (${took} ms)`);
    const both = [filterToBindingKey(kept), filterToBindingKey(late)].sort();
    assert.deepEqual(await bindingKeys(queue), both, 'RabbitMQ made the binding');

    held.current.proxy.release();
    await until(
      async () => !(await bindingKeys(queue)).includes(filterToBindingKey(late)),
      'no binding left for the refused filter',
      10_000,
    );
    assert.deepEqual(await bindingKeys(queue), [filterToBindingKey(kept)], 'the held filter keeps its');
    // Asked again, the filter is bound: the unbind that undid the late bind does not come after it.
    assert.deepEqual(await client.subscribe([{ topic: late, qos: 1 }]), [1]);
    assert.deepEqual(await bindingKeys(queue), both);
    await client.disconnect();
  });

  it("refuses a QoS 0 filter at the deadline when the fast path's queue declare-ok comes late, and the next gets a fresh fast path", async function () {
    const id = uniqueId('fast-late');
    const topic = `${id}/t`;
    const { client, connack } = await RawMqtt.connect(held.current.adapter.ports.mqtt, {
      clientId: id,
      clean: true,
    });
    onCleanup(() => void client.socket.destroy());
    assert.equal(connack.returnCode, 0);
    // The suite's first QoS 0 clean SUBSCRIBE: its pooled connection's fast path declares its queue now.
    held.current.proxy.holdFrom(...DECLARE_OK);
    const sent = Date.now();
    // Without the deadline no SUBACK came until the AMQP heartbeat gave the connection up.
    assert.deepEqual(await client.subscribe([{ topic, qos: 0 }]), [0x80]);
    const took = Date.now() - sent;
    console.log(`      SUBACK ${took} ms after the SUBSCRIBE (deadline ${CONFIRM_TIMEOUT_MS} ms)`);
    assert.ok(took >= CONFIRM_TIMEOUT_MS - 100, `not before the deadline (${took} ms)`);

    held.current.proxy.release();
    assert.deepEqual(await client.subscribe([{ topic, qos: 0 }]), [0]);
    await client.publish(topic, 'after', 0);
    const [p] = await client.publishes(1);
    assert.equal(p.payload.toString(), 'after');
    await client.disconnect();
  });
});
