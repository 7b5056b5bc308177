import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { uniqueId } from '../helpers/adapter';
import { AmqpClient } from '../helpers/rabbit';
import { ChildAdapter } from './child-adapter';
import { closedOf, connectMqtt, endMqtt } from './clients';
import { VHOST_URL } from './vhost';
import { until, within, delay } from '../helpers/wait';
import { useCleanup } from '../helpers/suite';
import { RawMqtt } from '../helpers/raw-mqtt';

const DRAIN_TIMEOUT_MS = 5000;

/** SIGTERM: stop accepting, close clients, settle confirms, exit 0 within the drain timeout. */
describe('amqp-side: SIGTERM drain (adapter in its own process)', function () {
  let child: ChildAdapter | undefined;
  let amqp: AmqpClient | undefined;
  const clients: MqttClient[] = [];

  after(async function () {
    await endMqtt(...clients);
    await child?.stop();
    await amqp?.close();
  });
  useCleanup();

  it('loses no PUBACKed message and exits 0 in time', async function () {
    this.timeout(60_000);
    const proc = await ChildAdapter.start({ MQTT_ADAPTER_DRAIN_TIMEOUT_MS: String(DRAIN_TIMEOUT_MS) });
    child = proc;
    amqp = await AmqpClient.open(VHOST_URL);
    const t = uniqueId('drain');
    const q = await amqp.consumeBound([`${t}.#`]);
    for (let i = 0; i < 3; i++)
      clients.push(await connectMqtt(proc.ports.mqtt, { clientId: uniqueId('drain') }));

    // Several publishes in flight per client, all the time, until the connection goes.
    const acked = new Set<string>();
    let seq = 0;
    const worker = async (c: MqttClient, k: number): Promise<void> => {
      while (c.connected) {
        const payload = `c${k}-${seq++}`;
        try {
          await c.publishAsync(`${t}/c${k}`, payload, { qos: 1 });
          acked.add(payload);
        } catch {
          return;
        }
      }
    };
    // mqtt.js never settles a QoS 1 publish whose connection closed without reconnect: nobody awaits them.
    clients.forEach((c, k) => Array.from({ length: 5 }, () => void worker(c, k)));
    await until(() => acked.size >= 300, 'some traffic before SIGTERM', 10_000);

    const signalled = Date.now();
    proc.proc.kill('SIGTERM');
    await within(Promise.all(clients.map(closedOf)), DRAIN_TIMEOUT_MS, 'every client closed by the drain');
    // The drain has begun: from now on no new client may get a session.
    const accepted: string[] = [];
    const probing = (async (): Promise<void> => {
      while (proc.proc.exitCode === null && proc.proc.signalCode === null) {
        try {
          const { client, connack } = await RawMqtt.connect(proc.ports.mqtt, {
            clientId: uniqueId('late'),
            clean: true,
            keepalive: 60,
          });
          if (connack.returnCode === 0) accepted.push('CONNACK 0');
          await client.destroy();
        } catch {
          // Refused or closed without CONNACK: not accepted.
        }
        await delay(20);
      }
    })();
    const exit = await within(proc.exited, DRAIN_TIMEOUT_MS + 3000, 'the process to exit');
    const took = Date.now() - signalled;
    await probing;

    assert.deepEqual(exit, { code: 0, signal: null });
    assert.ok(took < DRAIN_TIMEOUT_MS + 2000, `exit took ${took} ms`);
    assert.deepEqual(accepted, [], 'a connection was accepted during the drain');
    assert.match(proc.log, /"msg":"drained"/);
    // At least once: everything PUBACKed is in RabbitMQ (unacked ones may be there too).
    const missing = (): string[] => {
      const inQueue = new Set(q.messages.map((m) => m.content.toString()));
      return [...acked].filter((p) => !inQueue.has(p));
    };
    await until(() => missing().length === 0, 'every PUBACKed message in RabbitMQ', 10_000).catch(
      () => undefined,
    );
    assert.deepEqual(missing(), [], 'PUBACKed but not in RabbitMQ');
    assert.ok(acked.size >= 300);
  });
});
