import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { IConnackPacket, IDisconnectPacket } from 'mqtt-packet';
import { GUEST, MAIN_JS, adapterEnv, uniqueId } from '../helpers/adapter';
import { deleteQueues } from '../helpers/rabbit';
import { within } from '../helpers/wait';
import { Mqtt, connackOf } from '../helpers/mqttjs';
import { httpGet, metricValue } from '../helpers/clients';

export const SHARED_REDIS_URL = process.env.MQTT_ADAPTER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Characters of a replica's output kept in memory. */
const OUTPUT_KEPT = 8 * 1024 * 1024;

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * One adapter replica as its own process (`node build/adapter/src/main.js`),
 * so it can be SIGKILLed, SIGSTOPped and drained like a pod. It binds port 0
 * and reports the ports it got in its "listening" log line.
 */
export class Replica {
  private out = '';

  private constructor(
    readonly pod: string,
    /** This process start of the pod (`<pod>/<start id>`): what owns its clients and liveness in Redis. */
    readonly incarnation: string,
    /** The environment it was started with, for a restart under the same pod name. */
    readonly env: Record<string, string>,
    private readonly proc: ChildProcess,
    readonly ports: { readonly mqtt: number; readonly http: number },
    readonly exited: Promise<Exit>,
  ) {}

  static async start(pod: string, env: Record<string, string>): Promise<Replica> {
    const proc = spawn(process.execPath, [MAIN_JS], {
      env: adapterEnv({ MQTT_ADAPTER_LOG_LEVEL: 'info', ...env, MQTT_ADAPTER_POD_NAME: pod }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const exited = new Promise<Exit>((resolve) =>
      proc.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const listening = new Promise<{ mqtt: number; http: number; incarnation: string }>((resolve, reject) => {
      const onData = (d: Buffer): void => {
        out += d.toString();
        const m = /"incarnation":"([^"]+)","ports":\{"mqtt":(\d+)[^}]*"http":(\d+)/.exec(out);
        if (m) resolve({ incarnation: m[1], mqtt: Number(m[2]), http: Number(m[3]) });
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', onData);
      void exited.then((e) => reject(new Error(`replica ${pod} exited (${e.code ?? e.signal}): ${out}`)));
    });
    let started: { mqtt: number; http: number; incarnation: string };
    try {
      started = await within(listening, 20_000, `replica ${pod} listening`);
    } catch (err) {
      proc.kill('SIGKILL');
      throw err;
    }
    const { incarnation, ...ports } = started;
    const r = new Replica(pod, incarnation, env, proc, ports, exited);
    r.out = out;
    // Only the tail: a long run (a soak) logs every connect and disconnect at info.
    const keep = (d: Buffer): void => {
      r.out += d.toString();
      if (r.out.length > OUTPUT_KEPT) r.out = r.out.slice(-OUTPUT_KEPT / 2);
    };
    proc.stdout?.removeAllListeners('data');
    proc.stderr?.removeAllListeners('data');
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    return r;
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  get pid(): number {
    return this.proc.pid as number;
  }

  /** Everything the process printed (pino JSON lines). */
  output(): string {
    return this.out;
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running) this.proc.kill(sig);
  }

  /** SIGKILL, as a node failure would: no drain, no goodbye to Redis or RabbitMQ. */
  async kill(): Promise<Exit> {
    this.signal('SIGCONT');
    this.signal('SIGKILL');
    return this.exited;
  }

  /** SIGTERM (the drain), SIGKILL if it has not exited within `ms`. */
  async stop(ms = 20_000): Promise<Exit> {
    this.signal('SIGCONT');
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), ms);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const { body } = await httpGet(this.ports.http, '/metrics');
    return metricValue(body, name, labels) ?? 0;
  }

  async readyz(): Promise<number> {
    return (await httpGet(this.ports.http, '/readyz')).status;
  }

  /** Resident set size in bytes, from /proc. */
  rss(): number {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
    if (!kb) throw new Error('no VmRSS');
    return Number(kb[1]) * 1024;
  }
}

/**
 * Several replicas sharing one Redis under a key prefix of their own, the
 * shared RabbitMQ, and the clean-up: processes, keys under the prefix, and
 * the session queues the tests name in `queues`.
 */
export class Replicas {
  readonly prefix = `mqtt-adapter-test:replicas-${process.pid}-${randomBytes(4).toString('hex')}:`;
  readonly list: Replica[] = [];
  /** Session queues to delete afterwards (persistent sessions keep theirs by design). */
  readonly queues = new Set<string>();
  private readonly run = randomBytes(3).toString('hex');
  private seq = 0;

  constructor(
    readonly env: Record<string, string> = {},
    readonly redisUrl = SHARED_REDIS_URL,
  ) {}

  private baseEnv(): Record<string, string> {
    return {
      MQTT_ADAPTER_STORE: 'redis',
      MQTT_ADAPTER_REDIS_URL: this.redisUrl,
      MQTT_ADAPTER_REDIS_KEY_PREFIX: this.prefix,
      MQTT_ADAPTER_WILL_USER: 'guest',
      MQTT_ADAPTER_WILL_PASSWORD: 'guest',
      ...this.env,
    };
  }

  /** Starts `n` more replicas, one after another (the machine is small). */
  async start(n: number, env: Record<string, string> = {}): Promise<Replica[]> {
    const started: Replica[] = [];
    for (let i = 0; i < n; i++) started.push(await this.add(env));
    return started;
  }

  async add(env: Record<string, string> = {}): Promise<Replica> {
    const r = await Replica.start(`replica-${this.run}-${++this.seq}`, { ...this.baseEnv(), ...env });
    this.list.push(r);
    return r;
  }

  /**
   * A new process under the pod name and environment of `dead`, as a container
   * restarted inside the same Kubernetes pod is: same pod name, new incarnation.
   */
  async restart(dead: Replica): Promise<Replica> {
    if (dead.running) throw new Error(`${dead.pod} is still running`);
    const r = await Replica.start(dead.pod, dead.env);
    this.list.push(r);
    return r;
  }

  /** The incarnations Redis knows as live or not yet swept. */
  async incarnations(): Promise<string[]> {
    return this.withRedis((redis) => redis.smembers(`${this.prefix}{pods}`));
  }

  /** A session queue (plugin-compatible name) to delete in cleanup. */
  sessionQueue(clientId: string): string {
    const q = `mqtt-subscription-${clientId}qos1`;
    this.queues.add(q);
    return q;
  }

  /** A client's stored session (JSON) and owner hash, read straight from Redis. */
  async stored(clientId: string): Promise<{ session: unknown; owner: Record<string, string> }> {
    return this.withRedis(async (redis) => {
      const tag = `${this.prefix}client:{${clientId}}`;
      const [session, owner] = await Promise.all([
        redis.get(`${tag}:session`),
        redis.hgetall(`${tag}:owner`),
      ]);
      return { session: session === null ? undefined : JSON.parse(session), owner };
    });
  }

  /** A client's inbound QoS 2 records (packet id -> 'p:' or 'r:' and the token), read straight from Redis. */
  async qos2Records(clientId: string): Promise<Record<string, string>> {
    return this.withRedis((redis) => redis.hgetall(`${this.prefix}client:{${clientId}}:qos2`));
  }

  /** The due time (ms) of a client's scheduled will, or undefined while it is not scheduled. */
  async willDue(clientId: string): Promise<number | undefined> {
    return this.withRedis(async (redis) => {
      const due = await redis.hget(`${this.prefix}client:{${clientId}}:will`, 'due');
      return due === null ? undefined : Number(due);
    });
  }

  /** Milliseconds left on an incarnation's liveness key (negative when there is none). */
  async aliveTtl(incarnation: string): Promise<number> {
    return this.withRedis((redis) => redis.pttl(`${this.prefix}pod:{${incarnation}}:alive`));
  }

  /** A metric summed over the replicas still running. */
  async metricSum(name: string, labels: Record<string, string> = {}): Promise<number> {
    let sum = 0;
    for (const r of this.list) if (r.running) sum += await r.metric(name, labels);
    return sum;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.list.map((r) => r.stop(10_000)));
    this.list.length = 0;
    await this.withRedis(async (redis) => {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
    }).catch(() => undefined);
    if (this.queues.size > 0) await deleteQueues(this.queues);
    this.queues.clear();
  }

  private async withRedis<T>(fn: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = new Redis(this.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      return await fn(redis);
    } finally {
      redis.disconnect();
    }
  }
}

/**
 * The hooks of a suite over `n` replicas started once: clients end after each
 * test, processes and keys after the suite. `started` holds the replicas once
 * the suite's `before` has run.
 */
export function suiteReplicas(n: number): { readonly set: Replicas; readonly started: readonly Replica[] } {
  const suite = { set: new Replicas(), started: [] as Replica[] };
  before(async () => {
    suite.started.push(...(await suite.set.start(n)));
  });
  afterEach(leaveAll);
  after(async () => {
    await leaveAll();
    await suite.set.cleanup();
  });
  return suite;
}

const opened = new Set<MqttClient>();

/** Ends every client `join` opened (an afterEach). */
export async function leaveAll(): Promise<void> {
  const all = [...opened];
  opened.clear();
  // A DISCONNECT, not a dropped socket: a will left to fire would reach other tests' watchers.
  await Promise.all(
    all.map((c) =>
      within(c.endAsync(false), 2000, 'DISCONNECT').catch(() => c.endAsync(true).catch(() => undefined)),
    ),
  );
}

/**
 * An mqtt.js client (guest, no automatic reconnect) and the CONNACK it got;
 * ended by `leaveAll`. `options.protocolVersion` 5 makes it an MQTT 5 client.
 */
export async function join(port: number, options: IClientOptions = {}): Promise<Joined> {
  const client = mqtt.connect({
    host: '127.0.0.1',
    port,
    clientId: uniqueId('replicas'),
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 7000,
    ...GUEST,
    ...options,
  });
  opened.add(client);
  const m = new Mqtt(client);
  let disconnect: IDisconnectPacket | undefined;
  client.on('disconnect', (p) => (disconnect = p));
  const connack = await connackOf(client, 8000, `CONNECT to ${port}`);
  return { m, connack, serverDisconnect: () => disconnect };
}

export interface Joined {
  readonly m: Mqtt;
  readonly connack: IConnackPacket;
  /** The DISCONNECT the server sent (MQTT 5), if any. */
  serverDisconnect(): IDisconnectPacket | undefined;
}

/** The code of a refused CONNECT (mqtt.js reports the CONNACK code on its error), or 0 if accepted. */
export async function connectCode(port: number, protocolVersion: 4 | 5): Promise<number> {
  try {
    const { m } = await join(port, { protocolVersion, clean: true });
    await m.end();
    return 0;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    throw err;
  }
}

/** When the first message on `topic` reached the client (set from its message event). */
export function arrival(m: Mqtt, topic: string): () => number | undefined {
  let at: number | undefined;
  m.client.on('message', (t) => {
    if (t === topic && at === undefined) at = Date.now();
  });
  return () => at;
}

/** A QoS 1 will on `<root>/<name>` whose payload is the name, so a watcher on `<root>/#` tells whose fired. */
export function willOn(root: string, name: string, delaySeconds = 0) {
  return {
    topic: `${root}/${name}`,
    payload: Buffer.from(name),
    qos: 1 as const,
    retain: false,
    ...(delaySeconds > 0 ? { properties: { willDelayInterval: delaySeconds } } : {}),
  };
}
