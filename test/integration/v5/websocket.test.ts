import { strict as assert } from 'node:assert';
import WebSocket from 'ws';
import { startAdapter, uniqueId } from '../helpers/adapter';
import { Browser, chromiumAvailable, servePage, CHROMIUM } from '../helpers/browser/chromium';
import { createPki, tlsEnv, type Pki } from '../helpers/tls';
import type { Adapter } from '../../../adapter/src/server';
import { V5, uniqueTopic } from './support';
import { within } from '../helpers/wait';
import { onCleanup } from '../helpers/cleanup';
import { useCleanup } from '../helpers/suite';

/**
 * MQTT over WebSocket through the same session code as TCP: mqtt.js with
 * ws:// and wss:// URLs, the `mqtt` subprotocol, and a real headless Chromium
 * running mqtt.js's browser build.
 */
describe('MQTT over WebSocket (issue 6)', function () {
  useCleanup();

  describe('ws://', function () {
    let adapter: Adapter;
    before(async function () {
      adapter = await startAdapter({ MQTT_ADAPTER_WS_ENABLED: 'true', MQTT_ADAPTER_WS_PORT: '0' });
    });
    after(async function () {
      await adapter?.stop();
    });

    const url = (): string => `ws://127.0.0.1:${adapter.ports.ws}/mqtt`;

    it('carries MQTT 5 between a WebSocket client and a TCP client, both ways', async function () {
      const topic = uniqueTopic('ws');
      const ws = await V5.connectUrl(url());
      const tcp = await V5.connect(adapter.ports.mqtt);
      await ws.subscribe(`${topic}/to-ws`, { qos: 1 });
      await tcp.subscribe(`${topic}/to-tcp`, { qos: 1 });
      await tcp.publish(`${topic}/to-ws`, 'over-ws', { qos: 1, properties: { contentType: 'text/x-ws' } });
      await ws.publish(`${topic}/to-tcp`, 'over-tcp', { qos: 2 });
      const m = await ws.waitFor('over-ws');
      assert.equal(m.properties?.contentType, 'text/x-ws');
      await tcp.waitFor('over-tcp');
    });

    it('negotiates the `mqtt` subprotocol', async function () {
      const socket = new WebSocket(url(), ['mqtt']);
      onCleanup(() => socket.terminate());
      await within(
        new Promise<void>((resolve, reject) => {
          socket.once('open', () => resolve());
          socket.once('error', reject);
        }),
        5000,
        'WebSocket open',
      );
      assert.equal(socket.protocol, 'mqtt');
    });

    it('serves MQTT only on its path', async function () {
      const socket = new WebSocket(`ws://127.0.0.1:${adapter.ports.ws}/elsewhere`, ['mqtt']);
      onCleanup(() => socket.terminate());
      const failed = await within(
        new Promise<boolean>((resolve) => {
          socket.once('open', () => resolve(false));
          socket.once('error', () => resolve(true));
        }),
        5000,
        'WebSocket on a wrong path',
      );
      assert.equal(failed, true);
    });

    it('works from a real browser: headless Chromium with mqtt.js’s browser build', async function () {
      if (!chromiumAvailable()) {
        this.skip(); // Chromium is installed by .ci/run (Debian's `chromium` package); without it there is no browser to run.
      }
      this.timeout(60_000);
      const topic = uniqueTopic('browser');
      const page = await servePage();
      onCleanup(() => page.close());
      const node = await V5.connect(adapter.ports.mqtt);
      await node.subscribe(topic, { qos: 1 });
      const query = new URLSearchParams({
        url: url(),
        topic,
        payload: 'hello from chromium',
        clientId: uniqueId('chromium'),
      });
      const browser = await Browser.open(`${page.origin}/?${query.toString()}`);
      onCleanup(() => browser.close());
      // The page subscribes, then publishes to itself: its own message comes back into the DOM.
      const own = await browser.waitFor<string>(
        `[...document.querySelectorAll('#received li')].map((li) => li.textContent).join('\\n')`,
        `the page receiving its message (${CHROMIUM})`,
      );
      assert.equal(own, `${topic} hello from chromium`);
      // And it reaches a TCP client; and a TCP client's message reaches the page.
      await node.waitFor('hello from chromium');
      await node.publish(topic, 'hello from node', { qos: 1 });
      const both = await browser.waitFor<string[]>(
        `(() => { const r = [...document.querySelectorAll('#received li')].map((li) => li.textContent); return r.length >= 2 && r; })()`,
        'the page receiving a message from node',
      );
      assert.deepEqual(both, [`${topic} hello from chromium`, `${topic} hello from node`]);
    });
  });

  describe('wss://', function () {
    let pki: Pki;
    let adapter: Adapter;
    before(async function () {
      pki = await createPki();
      adapter = await startAdapter({
        ...tlsEnv(pki),
        MQTT_ADAPTER_WS_ENABLED: 'true',
        MQTT_ADAPTER_WS_PORT: '0',
      });
    });
    after(async function () {
      await adapter?.stop();
      await pki?.remove();
    });

    it('carries MQTT 5 over TLS WebSockets', async function () {
      const topic = uniqueTopic('wss');
      const c = await V5.connectUrl(`wss://localhost:${adapter.ports.ws}/mqtt`, { ca: pki.ca });
      await c.subscribe(topic, { qos: 1 });
      await c.publish(topic, 'over-wss', { qos: 1 });
      await c.waitFor('over-wss');
    });

    it('refuses a wss client that does not trust the server certificate', async function () {
      await assert.rejects(V5.connectUrl(`wss://localhost:${adapter.ports.ws}/mqtt`));
    });
  });
});
