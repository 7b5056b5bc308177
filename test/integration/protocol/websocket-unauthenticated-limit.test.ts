import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import * as http from 'node:http';
import type { Socket } from 'node:net';
import mqtt from 'mqtt';
import { generate } from 'mqtt-packet';
import pino from 'pino';
import WebSocket from 'ws';
import type { Adapter } from '../../../adapter/src/server';
import { startAdapter, uniqueId } from '../helpers/adapter';
import { closeAll, onCleanup } from '../helpers/cleanup';
import { connectPacket } from '../helpers/raw-mqtt';
import { until, within } from '../helpers/wait';
import { V5, uniqueTopic } from '../v5/support';

const UNAUTHENTICATED = 64 * 1024;
const MAX_PACKET = 2 * 1024 * 1024;
const MIB = 1024 * 1024;

/** A WebSocket upgraded by hand, so a test can send a frame header without its payload. */
function rawWebSocket(port: number): Promise<Socket> {
  return within(
    new Promise<Socket>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port,
        path: '/mqtt',
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Protocol': 'mqtt',
        },
      });
      req.on('upgrade', (_res, socket: Socket) => {
        onCleanup(() => void socket.destroy());
        resolve(socket);
      });
      req.on('error', reject);
      req.end();
    }),
    5000,
    'WebSocket upgrade',
  );
}

/** The header of a masked binary frame declaring `length` payload bytes (mask key zero: bytes go as they are). */
function frameHeader(length: number): Buffer {
  const h = Buffer.alloc(14);
  h[0] = 0x82;
  h[1] = 0x80 | 127;
  h.writeBigUInt64BE(BigInt(length), 2);
  return h;
}

/** 1 MiB of user properties: an MQTT string holds at most 64 KiB. */
const padding = (): Record<string, string> =>
  Object.fromEntries([...Array(32)].map((_, i) => [`pad${i}`, 'p'.repeat(MIB / 32)]));

describe('protocol: the packet limit before CONNACK over WebSocket', function () {
  const lines: string[] = [];
  let adapter: Adapter;
  const url = (): string => `ws://127.0.0.1:${adapter.ports.ws}/mqtt`;
  const refusals = (): string[] => lines.filter((l) => l.includes('refused before CONNACK'));

  before(async () => {
    const log = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
    adapter = await startAdapter(
      {
        MQTT_ADAPTER_WS_ENABLED: 'true',
        MQTT_ADAPTER_WS_PORT: '0',
        MQTT_ADAPTER_MAX_PACKET_SIZE: String(MAX_PACKET),
        MQTT_ADAPTER_MAX_PACKET_SIZE_UNAUTHENTICATED: String(UNAUTHENTICATED),
      },
      log,
    );
  });
  beforeEach(() => (lines.length = 0));
  afterEach(closeAll);
  after(async () => {
    await closeAll();
    await adapter?.stop();
  });

  it('closes a socket whose first frame declares 1 MiB, from the frame header, without reading the rest', async () => {
    const socket = await rawWebSocket(adapter.ports.ws as number);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('data', () => undefined);
    // The start of a CONNECT, in a frame whose payload the client never finishes sending: only a
    // refusal from the header closes the socket; an adapter waiting for the whole frame would hold it open.
    const start = generate(connectPacket({ protocolVersion: 5 })).subarray(0, 16);
    socket.write(Buffer.concat([frameHeader(MIB), start]));
    await within(closed, 3000, 'the adapter closing the socket');
    assert.equal(refusals().length, 1, lines.join(''));
    assert.match(refusals()[0], /MQTT_ADAPTER_MAX_PACKET_SIZE_UNAUTHENTICATED/);
  });

  it('closes a ws client that sends a 1 MiB CONNECT in one message', async () => {
    const socket = new WebSocket(url(), ['mqtt']);
    onCleanup(() => socket.terminate());
    await within(once(socket, 'open'), 5000, 'WebSocket open');
    const closed = once(socket, 'close');
    socket.on('error', () => undefined);
    socket.send(generate(connectPacket({ protocolVersion: 5, properties: { userProperties: padding() } })));
    await within(closed, 5000, 'the adapter closing the socket');
    assert.equal(refusals().length, 1, lines.join(''));
  });

  it('refuses a 1 MiB CONNECT from mqtt.js; a client on the same listener goes on, and sends 1 MiB once connected', async () => {
    const topic = uniqueTopic('ws-limit');
    const normal = await V5.connectUrl(url());
    onCleanup(() => normal.client.endAsync(true));
    await normal.client.subscribeAsync(topic, { qos: 1 });

    const big = mqtt.connect(url(), {
      clientId: uniqueId('ws-big'),
      protocolVersion: 5,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      username: 'guest',
      password: Buffer.from('guest'),
      properties: { userProperties: padding() },
    });
    onCleanup(() => big.endAsync(true));
    big.on('error', () => undefined);
    let connacked = false;
    big.on('connect', () => (connacked = true));
    await within(
      new Promise<void>((resolve) => big.once('close', () => resolve())),
      5000,
      'the 1 MiB CONNECT closed',
    );
    assert.equal(connacked, false, 'a 1 MiB CONNECT was accepted');
    assert.equal(refusals().length, 1, lines.join(''));

    assert.equal(normal.isClosed, false);
    const payload = 'x'.repeat(MIB);
    await normal.client.publishAsync(topic, payload, { qos: 1 });
    await until(() => normal.received.some((p) => p.payload.length === MIB), 'the 1 MiB message back');
  });
});
