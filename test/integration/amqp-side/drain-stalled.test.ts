import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import * as net from 'node:net';
import mqtt from 'mqtt';
import { GUEST, startAdapter, uniqueId } from '../helpers/adapter';
import { HoldProxy } from '../helpers/hold-proxy';
import { until, within } from '../helpers/wait';

const DRAIN_TIMEOUT_MS = 1000;
const CLOSE_TIMEOUT_MS = 1000;
/** What the drain may take beyond its two bounds: the in-process steps and a loaded machine. */
const SLACK_MS = 3000;

/*
 * The drain exits within its bound however the backends behave: a RabbitMQ
 * that answers nothing (a stalled node, a network that drops without a reset)
 * neither confirms a will being published nor answers the close of a pooled
 * connection, and an HTTP request may be half sent.
 */
describe('amqp-side: a drain while RabbitMQ answers nothing', function () {
  this.timeout(30_000);
  let proxy: HoldProxy | undefined;

  afterEach(async () => {
    proxy?.release();
    await proxy?.close();
  });

  it('ends within the drain and close timeouts, with a will unconfirmed and the pooled connection unanswered', async () => {
    proxy = await HoldProxy.start(5672);
    const adapter = await startAdapter({
      MQTT_ADAPTER_AMQP_URL: `amqp://127.0.0.1:${proxy.port}`,
      MQTT_ADAPTER_DRAIN_TIMEOUT_MS: String(DRAIN_TIMEOUT_MS),
      MQTT_ADAPTER_CLOSE_TIMEOUT_MS: String(CLOSE_TIMEOUT_MS),
    });
    const c = await mqtt.connectAsync({
      host: '127.0.0.1',
      port: adapter.ports.mqtt,
      clientId: uniqueId('drain-stall'),
      reconnectPeriod: 0,
      will: { topic: `drain-stall/${uniqueId()}`, payload: Buffer.from('gone'), qos: 1, retain: false },
      ...GUEST,
    });
    proxy.hold();
    // Lost without DISCONNECT: its will goes out now, and RabbitMQ's answers wait in the proxy.
    c.stream.destroy();
    // The session's close gives up on the will at its own deadline; the publish goes on in the background.
    await until(() => adapter.connectionCount === 0, 'the connection settled', 10_000);
    const metrics = await adapter.metrics.registry.getSingleMetricAsString(
      'mqtt_adapter_wills_published_total',
    );
    assert.doesNotMatch(metrics, /source="connection"} [1-9]/, 'the will is still unconfirmed');
    // And a request whose head never ends, on the HTTP port.
    const scrape = net.connect(adapter.ports.http, '127.0.0.1');
    scrape.on('error', () => undefined);
    await once(scrape, 'connect');
    scrape.write('GET /metrics HTTP/1.1\r\nHost: adapter\r\n');
    const started = Date.now();
    await within(adapter.stop(), DRAIN_TIMEOUT_MS + CLOSE_TIMEOUT_MS + SLACK_MS, 'the drain');
    const took = Date.now() - started;
    assert.ok(took >= DRAIN_TIMEOUT_MS - 50, `it waited for the will until the drain timeout (${took} ms)`);
    const exceeded = await adapter.metrics.registry.getSingleMetricAsString(
      'mqtt_adapter_deadlines_exceeded_total',
    );
    assert.match(exceeded, /step="drain"} 1/);
    await within(once(scrape, 'close'), 1000, 'the half-sent request cut off');
  });
});
