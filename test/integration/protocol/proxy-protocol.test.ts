import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import WebSocket from 'ws';
import { generate, parser as createParser, type Packet } from 'mqtt-packet';
import type { Adapter } from '../../../adapter/src/server';
import { startAdapter } from '../helpers/adapter';
import { closeAll, onCleanup } from '../helpers/cleanup';
import { connectPacket, RawMqtt } from '../helpers/raw-mqtt';
import { createPki, tlsEnv, type Pki } from '../helpers/tls';
import { until, within } from '../helpers/wait';
import { v1Header, v2Header } from '../../support/proxy-header';

const client4 = { address: '203.0.113.7', port: 51234 };
const client6 = { address: '2001:db8::7', port: 40001 };
const listener = { address: '10.0.0.5', port: 1883 };

/** The JSON lines an adapter logs, for reading who it says a connection came from. */
function captured(): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino(
    { level: 'info' },
    { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) },
  );
  return { log, lines };
}

/** Opens with `preamble` first, sends CONNECT, and waits for CONNACK. */
async function connectVia(port: number, preamble: Buffer | undefined, clientId: string, tls?: Pki) {
  const c = await RawMqtt.open(port, { preamble, tls: tls && { ca: tls.ca, servername: 'localhost' } });
  c.send(connectPacket({ clientId }));
  return { client: c, connack: await c.nextOf('connack', 9000) };
}

const connectedLine = (lines: Record<string, unknown>[], clientId: string) =>
  until(
    () => lines.some((l) => l.msg === 'client connected' && l.clientId === clientId),
    'client connected logged',
  ).then(
    () =>
      lines.find((l) => l.msg === 'client connected' && l.clientId === clientId) as Record<string, unknown>,
  );

describe('protocol: PROXY protocol on the listeners', function () {
  afterEach(closeAll);

  describe('required', function () {
    const { log, lines } = captured();
    let adapter: Adapter;
    let pki: Pki;
    before(async () => {
      pki = await createPki();
      adapter = await startAdapter(
        {
          ...tlsEnv(pki),
          MQTT_ADAPTER_PROXY_PROTOCOL: 'required',
          MQTT_ADAPTER_WS_ENABLED: 'true',
          MQTT_ADAPTER_WS_PORT: '0',
          MQTT_ADAPTER_CONNECT_TIMEOUT_MS: '1500',
        },
        log,
      );
    });
    after(async () => {
      await adapter?.stop();
      await pki?.remove();
    });

    it('takes a v1 header before CONNECT over TCP and logs the client it names', async () => {
      const id = `pp-v1-${randomBytes(4).toString('hex')}`;
      const { client, connack } = await connectVia(adapter.ports.mqtt, v1Header(client4, listener), id);
      assert.equal(connack.returnCode, 0);
      const line = await connectedLine(lines, id);
      assert.equal(line.remote, '203.0.113.7:51234');
      assert.equal(line.proxy, `127.0.0.1:${client.socket.localPort}`);
    });

    it('takes a v2 header (IPv6, with a TLV) before CONNECT over TCP', async () => {
      const id = `pp-v2-${randomBytes(4).toString('hex')}`;
      const tlv = Buffer.from([0x01, 0x00, 0x04, ...Buffer.from('mqtt')]);
      const header = v2Header({
        source: client6,
        destination: { address: '2001:db8::1', port: 1883 },
        tlvs: tlv,
      });
      const { connack } = await connectVia(adapter.ports.mqtt, header, id);
      assert.equal(connack.returnCode, 0);
      assert.equal((await connectedLine(lines, id)).remote, '2001:db8::7:40001');
    });

    it('reads the header before the TLS handshake', async () => {
      const id = `pp-tls-${randomBytes(4).toString('hex')}`;
      const { connack } = await connectVia(
        adapter.ports.tls as number,
        v2Header({ source: client4, destination: listener }),
        id,
        pki,
      );
      assert.equal(connack.returnCode, 0);
      const line = await connectedLine(lines, id);
      assert.equal(line.remote, '203.0.113.7:51234');
      assert.equal(line.transport, 'tls');
    });

    it('reads the header before the WebSocket upgrade request (wss)', async () => {
      const id = `pp-ws-${randomBytes(4).toString('hex')}`;
      const ws = new WebSocket(`wss://localhost:${adapter.ports.ws}/mqtt`, 'mqtt', {
        createConnection: () => {
          const raw = net.connect({ host: '127.0.0.1', port: adapter.ports.ws as number });
          raw.write(v1Header(client4, listener));
          return tls.connect({ socket: raw, ca: pki.ca, servername: 'localhost' });
        },
      });
      onCleanup(() => ws.terminate());
      const p = createParser();
      const packets: Packet[] = [];
      p.on('packet', (packet: Packet) => packets.push(packet));
      ws.on('message', (data: Buffer) => p.parse(data));
      await within(
        new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject)),
        5000,
        'upgrade',
      );
      ws.send(generate(connectPacket({ clientId: id })));
      await until(() => packets.length > 0, 'CONNACK over WebSocket');
      assert.equal(packets[0]?.cmd, 'connack');
      const line = await connectedLine(lines, id);
      assert.equal(line.remote, '203.0.113.7:51234');
      assert.equal(line.transport, 'wss');
    });

    it('takes a header that arrives in pieces', async () => {
      const id = `pp-split-${randomBytes(4).toString('hex')}`;
      const header = v2Header({ source: client4, destination: listener });
      const c = await RawMqtt.open(adapter.ports.mqtt, { preamble: header.subarray(0, 5) });
      await new Promise((r) => setTimeout(r, 50));
      c.write(header.subarray(5, 14));
      await new Promise((r) => setTimeout(r, 50));
      c.write(Buffer.concat([header.subarray(14), generate(connectPacket({ clientId: id }))]));
      assert.equal((await c.nextOf('connack')).returnCode, 0);
      assert.equal((await connectedLine(lines, id)).remote, '203.0.113.7:51234');
    });

    it('refuses a connection without a header, and logs why', async () => {
      const c = await RawMqtt.open(adapter.ports.mqtt);
      const from = `127.0.0.1:${c.socket.localPort}`;
      c.send(connectPacket());
      await within(c.closed, 5000, 'close of a bare connection');
      assert.equal(c.packets.length, 0);
      const refused = lines.find(
        (l) => l.msg === 'PROXY protocol header refused; closing' && l.remote === from,
      );
      assert.match(String(refused?.reason), /no PROXY header/);
    });

    it('closes on a malformed header or none within the deadline, and serves the next client', async () => {
      const bad = [
        Buffer.from('PROXY TCP4 203.0.113.007 10.0.0.5 1 2\r\n'),
        Buffer.from(`PROXY UNKNOWN ${'f'.repeat(200)}`),
        v2Header({ familyProtocol: 0x51, source: client4, destination: listener }),
        v2Header({ length: 60000 }),
      ];
      const froms: string[] = [];
      for (const preamble of bad) {
        const c = await RawMqtt.open(adapter.ports.mqtt, { preamble });
        froms.push(`127.0.0.1:${c.socket.localPort}`);
        await within(c.closed, 5000, `close after ${preamble.subarray(0, 20).toString('hex')}`);
      }
      const slow = await RawMqtt.open(adapter.ports.mqtt, { preamble: Buffer.from('PROXY TCP4 ') });
      const slowFrom = `127.0.0.1:${slow.socket.localPort}`;
      await within(slow.closed, 5000, 'close of a header never finished');
      const reasons = (from: string): unknown =>
        lines.find((l) => l.msg === 'PROXY protocol header refused; closing' && l.remote === from)?.reason;
      assert.deepEqual(
        froms.map((f) => typeof reasons(f)),
        ['string', 'string', 'string', 'string'],
      );
      assert.match(String(reasons(slowFrom)), /within 1500 ms/);
      const id = `pp-after-${randomBytes(4).toString('hex')}`;
      assert.equal(
        (await connectVia(adapter.ports.mqtt, v1Header(client4, listener), id)).connack.returnCode,
        0,
      );
    });
  });

  describe('drain', function () {
    it('closes sockets still sending their header when the adapter stops', async () => {
      const adapter = await startAdapter({ MQTT_ADAPTER_PROXY_PROTOCOL: 'required' });
      try {
        const c = await RawMqtt.open(adapter.ports.mqtt, {
          preamble: Buffer.from('PROXY TCP4 203.0.113.7 '),
        });
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(c.isClosed, false);
        await adapter.stop();
        // The header deadline is the 10 s CONNECT timeout: a close this early is the drain's.
        await within(c.closed, 2000, 'close of a socket mid-header at stop');
      } finally {
        await adapter.stop();
      }
    });
  });

  describe('optional', function () {
    const { log, lines } = captured();
    let adapter: Adapter;
    before(async () => {
      adapter = await startAdapter({ MQTT_ADAPTER_PROXY_PROTOCOL: 'optional' }, log);
    });
    after(() => adapter?.stop());

    it('accepts connections with and without a header, each logged with its own address', async () => {
      const viaProxy = `pp-opt-h-${randomBytes(4).toString('hex')}`;
      const direct = `pp-opt-d-${randomBytes(4).toString('hex')}`;
      const a = await connectVia(
        adapter.ports.mqtt,
        v2Header({ source: client4, destination: listener }),
        viaProxy,
      );
      const b = await connectVia(adapter.ports.mqtt, undefined, direct);
      assert.equal(a.connack.returnCode, 0);
      assert.equal(b.connack.returnCode, 0);
      assert.equal((await connectedLine(lines, viaProxy)).remote, '203.0.113.7:51234');
      const line = await connectedLine(lines, direct);
      assert.equal(line.remote, `127.0.0.1:${b.client.socket.localPort}`);
      assert.equal(line.proxy, undefined);
    });

    it('keeps the real peer for a v2 LOCAL header (a proxy health check)', async () => {
      const id = `pp-local-${randomBytes(4).toString('hex')}`;
      const { client, connack } = await connectVia(adapter.ports.mqtt, v2Header({ command: 0 }), id);
      assert.equal(connack.returnCode, 0);
      assert.equal((await connectedLine(lines, id)).remote, `127.0.0.1:${client.socket.localPort}`);
    });
  });
});
