import { strict as assert } from 'node:assert';
import { uniqueId } from '../helpers/adapter';
import { useHeldAdapter } from '../helpers/held-adapter';
import { onCleanup } from '../helpers/cleanup';
import { RawMqtt } from '../helpers/raw-mqtt';
import { deleteQueues, rabbitmqctl } from '../helpers/rabbit';
import { until } from '../helpers/wait';
import { sessionQueue } from './fixture';

const CONFIRM_TIMEOUT_MS = 2000;
/** basic.consume-ok: class 60, method 21. */
const CONSUME_OK: [number, number] = [60, 21];

/** The consumers of `queue` in the default vhost, as RabbitMQ lists them. */
async function consumersOf(queue: string): Promise<number> {
  const out = await rabbitmqctl('list_consumers', '-p', '/', '--no-table-headers', 'queue_name');
  return out.split('\n').filter((l) => l.trim() === queue).length;
}

/*
 * RabbitMQ starts a consumer and its consume-ok is slow to come back (a
 * connection it stopped reading, a stalled node, a queue process that hangs):
 * the proxy between the adapter and RabbitMQ holds the consume-ok and
 * everything after it. The consume on the channel shared with other clients
 * waits at most MQTT_ADAPTER_CONFIRM_TIMEOUT_MS, and the consumer RabbitMQ
 * started for nobody is cancelled once its consume-ok comes.
 */
describe('amqp-side: a consume RabbitMQ answers late (MQTT_ADAPTER_CONFIRM_TIMEOUT_MS)', function () {
  this.timeout(60_000);
  const held = useHeldAdapter({ MQTT_ADAPTER_CONFIRM_TIMEOUT_MS: String(CONFIRM_TIMEOUT_MS) });

  it('ends the wait at its deadline, and cancels the consumer its late consume-ok announces', async function () {
    const { proxy, adapter } = held.current;
    const id = uniqueId('consume-late');
    const queue = sessionQueue(id);
    onCleanup(() => deleteQueues([queue]));
    const { client, connack } = await RawMqtt.connect(adapter.ports.mqtt, { clientId: id, clean: false });
    onCleanup(() => void client.socket.destroy());
    assert.equal(connack.returnCode, 0);

    proxy.holdFrom(...CONSUME_OK);
    const sent = Date.now();
    // The queue is made and bound before the SUBACK; its consume starts behind it.
    assert.deepEqual(await client.subscribe([{ topic: `${id}/t`, qos: 1 }]), [1]);
    // Without the deadline the session waited for the consume until the AMQP heartbeat gave the connection up.
    await client.waitClosed(CONFIRM_TIMEOUT_MS + 5000);
    const took = Date.now() - sent;
    console.log(`      closed ${took} ms after the SUBSCRIBE (deadline ${CONFIRM_TIMEOUT_MS} ms)`);
    assert.ok(took >= CONFIRM_TIMEOUT_MS - 100, `not before the deadline (${took} ms)`);
    assert.equal(await consumersOf(queue), 1, 'RabbitMQ started the consumer');

    proxy.release();
    // The pooled connection stays open for 30 s after its last client: the consumer must go before that.
    await until(async () => (await consumersOf(queue)) === 0, 'no consumer left on the queue', 10_000);
  });
});
