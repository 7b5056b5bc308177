import { strict as assert } from 'node:assert';
import { RabbitCluster } from '../../support/rabbit-cluster';
import { startAdapter, uniqueId } from '../helpers/adapter';
import { onCleanup } from '../helpers/cleanup';
import { RawMqtt } from '../helpers/raw-mqtt';
import { useCleanup } from '../helpers/suite';
import { until } from '../helpers/wait';

const CONFIRM_TIMEOUT_MS = 2000;
const OPEN_TIMEOUT_MS = 2000;
/**
 * The pooled connection keeps its spare ops channel and its last consumer channel until it closes,
 * 30 s after its last client left (IDLE_CLOSE_MS in amqp/pool.ts): a wait of 30 s raced that close.
 */
const NO_CHANNEL_WAIT_MS = 45_000;

/**
 * Under a memory alarm RabbitMQ reads nothing more from a publishing
 * connection: no confirm comes, no error either, and amqplib would wait until
 * the heartbeat. The alarm is raised on a private node, so no other test's
 * RabbitMQ is blocked.
 */
describe('amqp-side: a confirm RabbitMQ never sends (MQTT_ADAPTER_CONFIRM_TIMEOUT_MS)', function () {
  // One node boots in 20 to 60 s on a busy 2-core machine.
  this.timeout(180_000);
  let rabbit: RabbitCluster | undefined;

  before(async function () {
    const started = Date.now();
    rabbit = await RabbitCluster.start(1, 'mqconf');
    console.log(`      private RabbitMQ node started in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
  after(async function () {
    await rabbit?.stop();
  });
  useCleanup();

  const ctl = (...args: string[]): Promise<string> => (rabbit as RabbitCluster).ctl(0, ...args);
  const channels = async (): Promise<number> =>
    (await ctl('list_channels', '--no-table-headers', 'pid')).split('\n').filter((l) => l.trim()).length;

  async function raiseAlarm(): Promise<void> {
    await ctl('set_vm_memory_high_watermark', '0.0000001');
    onCleanup(() => ctl('set_vm_memory_high_watermark', '0.4').then(() => undefined));
    await until(async () => (await ctl('eval', 'rabbit_alarm:get_alarms().')).includes('memory'), 'alarm');
  }

  /** An adapter on the private node, and two clients on the user's pooled connection: the first is to block it. */
  async function twoClients(
    env: Record<string, string>,
    name: string,
  ): Promise<{ blocker: RawMqtt; client: RawMqtt }> {
    const a = await startAdapter({
      MQTT_ADAPTER_AMQP_URL: `amqp://127.0.0.1:${(rabbit as RabbitCluster).nodes[0].amqpPort}`,
      MQTT_ADAPTER_CONFIRM_TIMEOUT_MS: String(CONFIRM_TIMEOUT_MS),
      ...env,
    });
    onCleanup(() => a.stop());
    const blocker = await RawMqtt.connect5(a.ports.mqtt, { clientId: uniqueId('blocker') });
    onCleanup(() => void blocker.client.socket.destroy());
    await blocker.client.publish('confirm/t', 'before', 1);
    const { client, connack } = await RawMqtt.connect5(a.ports.mqtt, { clientId: uniqueId(name) });
    onCleanup(() => void client.socket.destroy());
    assert.equal(connack.reasonCode, 0);
    return { blocker: blocker.client, client };
  }

  /** A publish under the alarm: RabbitMQ reads nothing more from the connection; its confirm deadline closes the blocker. */
  async function block(blocker: RawMqtt): Promise<void> {
    blocker.sendPublish('confirm/t', 'during', 1, 7);
    await blocker.waitClosed(CONFIRM_TIMEOUT_MS + 8000);
  }

  it('ends the wait at its deadline: no PUBACK, the connection closes as on a lost channel, and the channel goes', async function () {
    const a = await startAdapter({
      MQTT_ADAPTER_AMQP_URL: `amqp://127.0.0.1:${(rabbit as RabbitCluster).nodes[0].amqpPort}`,
      MQTT_ADAPTER_CONFIRM_TIMEOUT_MS: String(CONFIRM_TIMEOUT_MS),
    });
    onCleanup(() => a.stop());
    const { client, connack } = await RawMqtt.connect5(a.ports.mqtt, { clientId: uniqueId('confirm') });
    onCleanup(() => void client.socket.destroy());
    assert.equal(connack.reasonCode, 0);
    await client.publish('confirm/t', 'before', 1);

    await raiseAlarm();
    const sent = Date.now();
    client.sendPublish('confirm/t', 'during', 1, 7);
    // Before the deadline, the wait lasted until the AMQP heartbeat gave the connection up (a minute or more).
    const { reasonCode } = await client.serverClose(CONFIRM_TIMEOUT_MS + 8000);
    const took = Date.now() - sent;
    console.log(`      closed ${took} ms after the PUBLISH (deadline ${CONFIRM_TIMEOUT_MS} ms)`);
    assert.deepEqual(
      client.all('puback').map((p) => p.messageId),
      [1],
      'no PUBACK for the unconfirmed message',
    );
    // 0x88 is CONNACK-only: a DISCONNECT carrying it was dropped by the client's parser as malformed.
    assert.equal(reasonCode, 0x89, 'DISCONNECT 0x89 Server busy before the close');
    assert.ok(took >= CONFIRM_TIMEOUT_MS - 100, `not before the deadline (${took} ms)`);

    // Once RabbitMQ reads again, the close of the channel given up goes through: no channel is left.
    await ctl('set_vm_memory_high_watermark', '0.4');
    await until(async () => (await channels()) === 0, 'no channel left on the node', NO_CHANNEL_WAIT_MS);
  });

  it('ends a channel open on a blocked connection at MQTT_ADAPTER_AMQP_CONNECT_TIMEOUT_MS, and closes the channel once it opens', async function () {
    const { blocker, client } = await twoClients(
      { MQTT_ADAPTER_AMQP_CONNECT_TIMEOUT_MS: String(OPEN_TIMEOUT_MS) },
      'opener',
    );
    await raiseAlarm();
    // A channel.open on the blocked connection is not read either.
    await block(blocker);
    const sent = Date.now();
    // The client's first QoS 0 publish opens its channel; before the deadline it waited for the heartbeat.
    client.sendPublish('confirm/t', 'first', 0);
    const { reasonCode } = await client.serverClose(OPEN_TIMEOUT_MS + 8000);
    const took = Date.now() - sent;
    console.log(`      closed ${took} ms after the PUBLISH (open deadline ${OPEN_TIMEOUT_MS} ms)`);
    assert.equal(reasonCode, 0x89, 'DISCONNECT 0x89 Server busy, as on a lost channel');
    assert.ok(took >= OPEN_TIMEOUT_MS - 100, `not before the deadline (${took} ms)`);

    // Once RabbitMQ reads again, the channel opened late is closed: none is left.
    await ctl('set_vm_memory_high_watermark', '0.4');
    await until(async () => (await channels()) === 0, 'no channel left on the node', NO_CHANNEL_WAIT_MS);
  });

  it('ends a SUBSCRIBE whose bind a blocked connection never answers at MQTT_ADAPTER_CONFIRM_TIMEOUT_MS, and closes the ops channel', async function () {
    const { blocker, client } = await twoClients(
      // Far off, so that no channel open ends the SUBSCRIBE first: the reply on an open channel is what is awaited.
      { MQTT_ADAPTER_AMQP_CONNECT_TIMEOUT_MS: '120000' },
      'subscriber',
    );
    // Makes the session's queue, and has the pooled connection open a spare ops channel ahead.
    assert.deepEqual(await client.subscribe([{ topic: 'rpc/a', qos: 1 }]), [1]);
    await raiseAlarm();
    await block(blocker);
    const sent = Date.now();
    // The bind of a second filter goes out on the spare ops channel, already open: only its reply is awaited.
    client.send({ cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: 'rpc/t', qos: 1 }] });
    const suback = await client.nextOf('suback', CONFIRM_TIMEOUT_MS + 8000);
    const took = Date.now() - sent;
    console.log(`      SUBACK ${took} ms after the SUBSCRIBE (deadline ${CONFIRM_TIMEOUT_MS} ms)`);
    // As any binding RabbitMQ does not make: 0x80 for that filter, and the connection stays.
    assert.deepEqual(suback.granted, [0x80]);
    assert.ok(took >= CONFIRM_TIMEOUT_MS - 100, `not before the deadline (${took} ms)`);
    assert.ok(took < CONFIRM_TIMEOUT_MS + 3000, `at the deadline, not at the heartbeat (${took} ms)`);

    // Once RabbitMQ reads again, the reply that came late is dropped with the channel given up, and
    // the next operation has a channel of its own.
    await ctl('set_vm_memory_high_watermark', '0.4');
    await until(
      async () => !(await ctl('eval', 'rabbit_alarm:get_alarms().')).includes('memory'),
      'alarm cleared',
    );
    assert.deepEqual(await client.subscribe([{ topic: 'rpc/t', qos: 1 }]), [1]);
    await client.disconnect();
    await until(async () => (await channels()) === 0, 'no channel left on the node', NO_CHANNEL_WAIT_MS);
  });
});
