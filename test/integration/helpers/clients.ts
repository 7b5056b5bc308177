import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { generate, parser as createParser, type IConnectPacket, type Packet } from 'mqtt-packet';
import type { Adapter } from '../../../adapter/src/server';
import { GUEST, startAdapter, uniqueId } from './adapter';

/**
 * MQTT clients for the protocol tests: mqtt.js, a raw socket that speaks
 * whatever bytes a test hands it, Debian's mosquitto_pub/mosquitto_sub and a
 * python3-paho-mqtt script. Everything opened here is tracked, and
 * `closeAllClients()` (in an afterEach) ends what a test left open.
 */

const open = new Set<{ dispose(): Promise<void> | void }>();

export async function closeAllClients(): Promise<void> {
  const all = [...open];
  open.clear();
  await Promise.all(all.map((c) => Promise.resolve(c.dispose()).catch(() => undefined)));
}

export interface SuiteAdapter {
  readonly adapter: Adapter;
  readonly port: number;
}

/** One in-process adapter for the enclosing describe block, started before its tests and stopped after. */
export function suiteAdapter(env: Record<string, string> = {}): SuiteAdapter {
  const s: { adapter?: Adapter } = {};
  before(async () => {
    s.adapter = await startAdapter(env);
  });
  after(async () => s.adapter?.stop());
  return {
    get adapter(): Adapter {
      return s.adapter as Adapter;
    },
    get port(): number {
      return (s.adapter as Adapter).ports.mqtt;
    },
  };
}

/** Rejects when `p` has not settled within `ms`, naming what was awaited. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `check` until it holds, for state that changes without an event to wait on. */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface Received {
  readonly topic: string;
  readonly payload: string;
  readonly qos: number;
  readonly retain: boolean;
  readonly dup: boolean;
}

/** An mqtt.js client with everything it received, and waits on it. */
export class Mqtt {
  readonly received: Received[] = [];
  private readonly closedP: Promise<void>;
  isClosed = false;

  constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, p) =>
      this.received.push({ topic, payload: payload.toString(), qos: p.qos, retain: p.retain, dup: p.dup }),
    );
    this.closedP = new Promise((resolve) =>
      client.on('close', () => {
        this.isClosed = true;
        resolve();
      }),
    );
  }

  /** Connects (guest unless `options` say otherwise) and resolves on CONNACK; no automatic reconnect. */
  static async connect(port: number, options: IClientOptions = {}): Promise<Mqtt> {
    const client = mqtt.connect({
      host: '127.0.0.1',
      port,
      clientId: uniqueId('mqttjs'),
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...GUEST,
      ...options,
    });
    const m = new Mqtt(client);
    open.add({ dispose: () => m.end() });
    await within(
      new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
        client.once('close', () => reject(new Error('closed before CONNACK')));
      }),
      7000,
      'mqtt.js CONNECT',
    );
    return m;
  }

  /** Subscribes and returns the granted QoS of each filter (128 for a refused one). */
  async subscribe(
    filters: Parameters<MqttClient['subscribeAsync']>[0],
    qos: 0 | 1 | 2 = 1,
  ): Promise<number[]> {
    const granted = await within(this.client.subscribeAsync(filters, { qos }), 5000, 'SUBACK');
    return granted.map((g) => g.qos);
  }

  async publish(topic: string, payload: string, qos: 0 | 1 = 1, retain = false): Promise<void> {
    await within(this.client.publishAsync(topic, payload, { qos, retain }), 5000, `publish ${topic}`);
  }

  /** Waits for a message with this payload (on this topic, if given). */
  async waitFor(payload: string, topic?: string, ms = 5000): Promise<Received> {
    const find = (): Received | undefined =>
      this.received.find((r) => r.payload === payload && (topic === undefined || r.topic === topic));
    await until(() => find() !== undefined, `message ${JSON.stringify(payload)}`, ms);
    return find() as Received;
  }

  closed(ms = 5000): Promise<void> {
    return within(this.closedP, ms, 'mqtt.js connection close');
  }

  async end(): Promise<void> {
    if (!this.isClosed) await this.client.endAsync(true).catch(() => undefined);
  }
}

/** A published round trip: a fresh subscriber receives what a fresh publisher sends, so the adapter serves. */
export async function assertServing(port: number): Promise<void> {
  const topic = `alive/${uniqueId()}`;
  const sub = await Mqtt.connect(port);
  const pub = await Mqtt.connect(port);
  await sub.subscribe(topic, 1);
  await pub.publish(topic, 'ping', 1);
  await sub.waitFor('ping', topic);
  await Promise.all([sub.end(), pub.end()]);
}

export type ConnectFields = Partial<IConnectPacket> & Pick<IConnectPacket, 'clientId'>;

/** A CONNECT: MQTT 3.1.1, clean session, no keepalive, guest, unless `fields` say otherwise. */
export function connectPacket(fields: ConnectFields): IConnectPacket {
  return {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    keepalive: 0,
    username: GUEST.username,
    password: Buffer.from(GUEST.password),
    ...fields,
  };
}

/**
 * A bare TCP client: sends hand-built packets or raw bytes and queues what
 * comes back, so tests can say exactly what is on the wire.
 */
export class RawClient {
  readonly packets: Packet[] = [];
  private readonly parser = createParser({ protocolVersion: 4 });
  private wake: (() => void) | undefined;
  readonly closed: Promise<void>;
  isClosed = false;

  private constructor(readonly socket: net.Socket) {
    this.parser.on('packet', (p: Packet) => {
      this.packets.push(p);
      this.wake?.();
    });
    this.parser.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => this.parser.parse(chunk));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        this.wake?.();
        resolve();
      }),
    );
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        const c = new RawClient(socket);
        open.add({ dispose: () => void socket.destroy() });
        resolve(c);
      });
      socket.once('error', reject);
    });
  }

  /** Opens a socket and sends CONNECT (see connectPacket). */
  static async connect(port: number, fields: ConnectFields): Promise<RawClient> {
    const c = await RawClient.open(port);
    c.send(connectPacket(fields));
    return c;
  }

  send(p: Packet, protocolVersion = 4): void {
    this.socket.write(generate(p, { protocolVersion }));
  }

  write(bytes: Buffer | number[]): void {
    this.socket.write(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));
  }

  /** The next packet received; rejects if the connection closes first or nothing comes in `ms`. */
  async next(ms = 5000): Promise<Packet> {
    const deadline = Date.now() + ms;
    while (this.packets.length === 0) {
      if (this.isClosed) throw new Error('connection closed with no packet');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no packet within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
    return this.packets.shift() as Packet;
  }

  /** Waits for CONNACK and returns its return code. */
  async connack(ms = 7000): Promise<{ returnCode: number; sessionPresent: boolean }> {
    const p = await this.next(ms);
    if (p.cmd !== 'connack') throw new Error(`expected CONNACK, got ${p.cmd}`);
    return { returnCode: p.returnCode ?? -1, sessionPresent: p.sessionPresent };
  }

  /** Resolves once the server has closed the connection. */
  waitClosed(ms = 5000): Promise<void> {
    return within(this.closed, ms, 'server closing the raw connection');
  }

  end(): void {
    this.socket.end();
  }
}

export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A child process whose output is kept, killed (if still running) by closeAllClients. */
export class Child {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Finished>;
  private readonly proc: ChildProcess;

  constructor(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
    this.proc = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout?.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.proc.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) =>
      this.proc.once('close', (code) => resolve({ code, stdout: this.stdout, stderr: this.stderr })),
    );
    open.add({ dispose: async () => void (await this.kill()) });
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** Waits until stdout matches `re`. */
  async waitForOutput(re: RegExp, ms = 10_000): Promise<void> {
    let done = false;
    void this.exited.then(() => (done = true));
    await until(
      () => {
        if (re.test(this.stdout)) return true;
        if (done) throw new Error(`exited before printing ${re}: ${this.stdout}${this.stderr}`);
        return false;
      },
      `output ${re}`,
      ms,
    );
  }

  finished(ms = 15_000): Promise<Finished> {
    return within(this.exited, ms, 'child process exit');
  }

  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<Finished> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    return this.finished();
  }
}

const HOST = ['-h', '127.0.0.1'];
const LOGIN = ['-u', GUEST.username, '-P', GUEST.password];

/** `mosquitto_sub` for `count` messages, verbose (`topic payload` per line), with debug lines to see SUBACK. */
export async function mosquittoSub(port: number, topic: string, count: number, qos = 1): Promise<Child> {
  const args = [...HOST, '-p', String(port), ...LOGIN, '-i', uniqueId('mosq-sub'), '-t', topic];
  // stdbuf: mosquitto_sub block-buffers stdout into a pipe, which would hide the SUBACK line.
  const c = new Child('stdbuf', [
    '-oL',
    'mosquitto_sub',
    ...args,
    '-q',
    String(qos),
    '-C',
    String(count),
    '-v',
    '-d',
    '-W',
    '20',
  ]);
  await c.waitForOutput(/received SUBACK/);
  return c;
}

export function mosquittoPub(port: number, topic: string, message: string, qos = 1): Promise<Finished> {
  const args = [...HOST, '-p', String(port), ...LOGIN, '-i', uniqueId('mosq-pub'), '-t', topic];
  return new Child('mosquitto_pub', [...args, '-m', message, '-q', String(qos)]).finished();
}

/** Debian's python has paho; the pyenv python3 on PATH does not. */
const PYTHON = '/usr/bin/python3';
const PAHO_SCRIPT = path.resolve(__dirname, '../../../../test/integration/helpers/paho_client.py');

/** The paho script subscribed to `topic` for `count` messages; prints one JSON line per message. */
export async function pahoSub(port: number, topic: string, count: number, qos = 1): Promise<Child> {
  const c = new Child(PYTHON, [
    PAHO_SCRIPT,
    'sub',
    '--port',
    String(port),
    '--topic',
    topic,
    '--count',
    String(count),
    '--qos',
    String(qos),
    '--client-id',
    uniqueId('paho-sub'),
  ]);
  await c.waitForOutput(/^subscribed$/m);
  return c;
}

export function pahoPub(port: number, topic: string, message: string, qos = 1): Promise<Finished> {
  return new Child(PYTHON, [
    PAHO_SCRIPT,
    'pub',
    '--port',
    String(port),
    '--topic',
    topic,
    '--message',
    message,
    '--qos',
    String(qos),
    '--client-id',
    uniqueId('paho-pub'),
  ]).finished();
}

/** GET on the adapter's HTTP port. */
export async function httpGet(port: number, urlPath: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${urlPath}`);
  return { status: res.status, body: await res.text() };
}

/** The value of one sample in a Prometheus text exposition, or undefined. */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = m[2] ? m[2].split(',') : [];
    if (want.every((w) => have.includes(w))) return Number(m[3]);
  }
  return undefined;
}
