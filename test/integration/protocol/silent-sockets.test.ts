import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import * as net from 'node:net';
import mqtt from 'mqtt';
import type { Adapter } from '../../../adapter/src/server';
import { GUEST, startAdapter, uniqueId } from '../helpers/adapter';
import { createPki, type Pki } from '../helpers/tls';
import { delay, within } from '../helpers/wait';

const CONNECT_TIMEOUT_MS = 500;
/** What a close may take beyond the timeout on a loaded machine; Node's own bounds are 60 s and more. */
const SLACK_MS = 2500;

/** A TCP connection that sends nothing: no TLS handshake, no WebSocket upgrade, no CONNECT. */
async function silent(port: number): Promise<net.Socket> {
  const s = net.connect(port, '127.0.0.1');
  s.on('error', () => undefined);
  await once(s, 'connect');
  return s;
}

/*
 * MQTT_ADAPTER_CONNECT_TIMEOUT_MS bounds how long a socket may stay open
 * before it sends CONNECT, on every listener: before the TLS handshake and
 * the WebSocket upgrade too, and on the HTTP port (metrics and probes), where
 * Node would wait for good for a socket that sends nothing.
 */
describe('protocol: a socket that sends nothing is closed at the CONNECT timeout on every listener', function () {
  this.timeout(30_000);
  let pki: Pki;
  const adapters: Adapter[] = [];

  before(async () => {
    pki = await createPki();
  });
  after(async () => {
    for (const a of adapters) await a.stop();
    await pki.remove();
  });

  async function start(env: Record<string, string>): Promise<Adapter> {
    const a = await startAdapter({
      MQTT_ADAPTER_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
      MQTT_ADAPTER_WS_ENABLED: 'true',
      MQTT_ADAPTER_WS_PORT: '0',
      ...env,
    });
    adapters.push(a);
    return a;
  }

  it('TCP, TLS before its handshake, WebSocket and secure WebSocket before their upgrade, and HTTP', async () => {
    const plain = await start({});
    const secure = await start({
      MQTT_ADAPTER_TLS_CERT_FILE: pki.server.certFile,
      MQTT_ADAPTER_TLS_KEY_FILE: pki.server.keyFile,
    });
    const ports = {
      tcp: plain.ports.mqtt,
      http: plain.ports.http,
      ws: plain.ports.ws as number,
      tls: secure.ports.tls as number,
      wss: secure.ports.ws as number,
    };
    const sockets = await Promise.all(Object.values(ports).map(silent));
    const closed = await Promise.allSettled(
      sockets.map((s, i) =>
        within(once(s, 'close'), CONNECT_TIMEOUT_MS + SLACK_MS, `${Object.keys(ports)[i]} socket closed`),
      ),
    );
    const open = closed.flatMap((r, i) => (r.status === 'rejected' ? [Object.keys(ports)[i]] : []));
    for (const s of sockets) s.destroy();
    assert.deepEqual(open, [], 'every silent socket closed in time');
  });

  it('leaves clients that did connect over TLS, WebSocket and secure WebSocket alone past the timeout', async () => {
    const [plain, secure] = adapters;
    const urls = [
      `mqtts://127.0.0.1:${secure.ports.tls}`,
      `ws://127.0.0.1:${plain.ports.ws}/mqtt`,
      `wss://127.0.0.1:${secure.ports.ws}/mqtt`,
    ];
    const clients = await Promise.all(
      urls.map((url) =>
        mqtt.connectAsync(url, { clientId: uniqueId('stays'), reconnectPeriod: 0, ca: pki.ca, ...GUEST }),
      ),
    );
    try {
      // Idle for longer than the timeout (mqtt.js pings once a minute).
      await delay(CONNECT_TIMEOUT_MS + SLACK_MS);
      for (const [i, c] of clients.entries()) {
        assert.ok(c.connected, urls[i]);
        await c.publishAsync(`silent/${uniqueId()}`, 'still here', { qos: 1 });
      }
    } finally {
      await Promise.all(clients.map((c) => c.endAsync()));
    }
  });
});
