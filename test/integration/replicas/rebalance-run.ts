import * as net from 'node:net';
import { MqttClient } from 'mqtt';
import type { IDisconnectPacket } from 'mqtt-packet';
import { GUEST, uniqueId } from '../helpers/adapter';
import { until, within } from '../helpers/wait';
import { NumberedStream } from './numbered-stream';
import type { Replicas } from './replicas';

/**
 * A scale-out with a rebalance, end to end: one replica holds the whole
 * population (a mix of MQTT 5 and 3.1.1 clients, some of them persistent QoS 1
 * subscribers of a numbered stream that keeps flowing), two more replicas
 * join, and the first hands clients off until the three are even. Every
 * client reaches "the Service" as a Kubernetes client does: each (re)connect
 * goes to a random replica among those started, as kube-proxy picks one.
 * Shared by the integration test (a short form) and bench/rebalance (3,000).
 */
export interface RebalanceRun {
  /** Clients in all, subscribers and the publisher included. */
  readonly clients: number;
  /** Persistent QoS 1 subscribers of the stream, half MQTT 5 and half 3.1.1. */
  readonly subscribers: number;
  /** MQTT_ADAPTER_REBALANCE_RATE the replicas run with. */
  readonly ratePerSecond: number;
  readonly serverReference: string;
  /** Longest wait for the replicas to be even. */
  readonly settleMs: number;
  /** One numbered QoS 1 message every this many ms. */
  readonly publishEveryMs: number;
}

export interface RebalanceFigures {
  /** Sessions per replica before the others joined (the first holds all) and once even. */
  readonly before: number[];
  readonly after: number[];
  /** Largest distance of a replica from the average, as a fraction of it. */
  readonly spread: number;
  /** From the last replica's start to even. */
  readonly rebalanceMs: number;
  /** Time to connect the population to the first replica. */
  readonly connectMs: number;
  readonly published: number;
  /** Numbers PUBACKed to the publisher, which every subscriber must get. */
  readonly acked: number;
  /** Ticks at which the publisher had the Receive Maximum unacknowledged and so published nothing. */
  readonly held: number;
  /** Over all subscribers: acked numbers never delivered, and extra deliveries. */
  readonly lost: number;
  readonly duplicates: number;
  readonly lostNumbers: number[];
  /** Hand-offs the replicas counted (mqtt_adapter_rebalance_disconnects_total), per replica. */
  readonly handOffs: number[];
  /** Replicas that handed clients off. */
  readonly shedders: number;
  /** Connection closes the clients saw from the servers after the others joined. */
  readonly closes: number;
  /**
   * Most closes in any one second, and the highest rate over any five seconds.
   * Both are as the clients saw them: a stall of the test process (the
   * clients share it) bunches closes into the second after it, which the
   * five-second rate absorbs; the replicas space them 1/rate apart at least.
   */
  readonly peakPerSecond: number;
  readonly peakPerSecondOver5s: number;
  /** From the first close to the last. */
  readonly closesSpanMs: number;
  readonly meanPerSecond: number;
  /** MQTT 5 clients handed off, and those whose DISCONNECT was not 0x9C with the Server Reference. */
  readonly v5HandedOff: number;
  readonly v5Wrong: number;
  /** For each of those, every connection it made from shortly before the join, as it saw it (see describe). */
  readonly v5WrongDetail: string[];
  readonly v3HandedOff: number;
}

/** One network connection of a client, as the client saw it. */
interface Link {
  readonly port: number;
  readonly openedAt: number;
  connackAt?: number;
  disconnect?: { readonly at: number; readonly packet: IDisconnectPacket };
  readonly errors: string[];
  closedAt?: number;
  /** The client itself was ending (endAsync), so the close was not the server's. */
  byClient?: boolean;
}

interface Member {
  readonly clientId: string;
  readonly client: MqttClient;
  readonly v5: boolean;
  disconnects: IDisconnectPacket[];
  closedAt: number[];
  readonly links: Link[];
}

/** Most events in any half-open window of `windowMs`. */
export function peakIn(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

export class RebalanceScenario {
  private readonly service: number[] = [];
  private readonly members: Member[] = [];
  private readonly root = `rebalance/${uniqueId('stream')}`;
  private readonly seen: Map<number, number>[] = [];
  private stream: NumberedStream | undefined;
  private since = Number.MAX_SAFE_INTEGER;

  constructor(
    private readonly set: Replicas,
    private readonly run: RebalanceRun,
  ) {}

  async execute(): Promise<RebalanceFigures> {
    const [a] = await this.set.start(1);
    this.service.push(a.ports.mqtt);
    const connectStart = Date.now();
    await this.connectAll();
    const connectMs = Date.now() - connectStart;
    this.startStream();
    await until(() => this.acked.size >= 10, 'the stream flowing', 10_000);
    const before = [await a.metric('mqtt_adapter_sessions'), 0, 0];

    this.since = Date.now();
    await this.joinTwo();
    const joinedAt = Date.now();
    const replicas = this.set.list;
    await this.even(0.1, this.run.settleMs);
    const rebalanceMs = Date.now() - joinedAt;
    await this.roundsOver();
    // Read once every client is back: a replica's count is short of those still reconnecting.
    const after = await this.even(1, this.run.settleMs);
    await this.stopStream();
    await until(() => this.complete(), 'every acked number at every subscriber', 15_000).catch(
      () => undefined,
    );
    const handOffs = await Promise.all(
      replicas.map((r) => r.metric('mqtt_adapter_rebalance_disconnects_total')),
    );
    return {
      before,
      after,
      spread: spreadOf(after),
      connectMs,
      rebalanceMs,
      ...this.counts(),
      ...this.closes(handOffs),
    };
  }

  /**
   * `n` more idle clients, all sent to `port` as a load balancer that favours
   * one replica would; later reconnects go through the Service again.
   */
  async crowd(port: number, n: number): Promise<void> {
    const service = this.service.splice(0, this.service.length, port);
    try {
      await Promise.all(
        Array.from({ length: n }, (_, k) =>
          connected(this.member(uniqueId('rebal-crowd'), k % 2 === 0, false).client),
        ),
      );
    } finally {
      this.service.splice(0, this.service.length, ...service);
    }
  }

  /**
   * Sessions per replica, once they add up to the population and each is
   * within `tolerance` of the average: what the rounds, one after another,
   * go on until. The message of a timeout names the last counts.
   */
  async even(tolerance: number, ms: number): Promise<number[]> {
    let counts: number[] = [];
    const total = this.members.length;
    await until(
      async () => {
        counts = await Promise.all(this.set.list.map((r) => r.metric('mqtt_adapter_sessions')));
        return counts.reduce((s, n) => s + n, 0) === total && spreadOf(counts) <= tolerance;
      },
      `replicas even within ${tolerance * 100} %`,
      ms,
    ).catch((err: unknown) => {
      throw new Error(
        `${(err as Error).message}; sessions per replica last ${counts.join(', ')} of ${total} (spread ${(spreadOf(counts) * 100).toFixed(1)} %)`,
      );
    });
    return counts;
  }

  /**
   * Once no replica has handed a client off for two seconds: a round goes on
   * down to the average, and the next starts well within two seconds of it
   * at the intervals the test runs with.
   */
  async roundsOver(): Promise<void> {
    const handOffs = async (): Promise<string> =>
      (
        await Promise.all(this.set.list.map((r) => r.metric('mqtt_adapter_rebalance_disconnects_total')))
      ).join();
    let last = await handOffs();
    let since = Date.now();
    await until(
      async () => {
        const now = await handOffs();
        if (now !== last) [last, since] = [now, Date.now()];
        return Date.now() - since >= 2000;
      },
      'rebalance rounds over',
      this.run.settleMs,
    );
  }

  /** Ends every client with a DISCONNECT and leaves their queues to the set's cleanup. */
  async end(): Promise<void> {
    this.stream?.stop();
    const all = this.members.map((m) => m.client);
    for (let i = 0; i < all.length; i += 500)
      await Promise.all(
        all
          .slice(i, i + 500)
          .map((c) => within(c.endAsync(false), 3000, 'DISCONNECT').catch(() => c.endAsync(true))),
      );
  }

  /** One at a time, as a Deployment scaled from 1 to 3 brings them up; each joins the Service once listening. */
  private async joinTwo(): Promise<void> {
    for (let i = 0; i < 2; i++) this.service.push((await this.set.add()).ports.mqtt);
  }

  private client(clientId: string, v5: boolean, persistent: boolean, links: Link[]): MqttClient {
    // The Service: a random replica of those started, on every connect and reconnect.
    const builder = (): net.Socket => {
      const port = this.service[Math.floor(Math.random() * this.service.length)];
      links.push({ port, openedAt: Date.now(), errors: [] });
      return net.connect({ host: '127.0.0.1', port });
    };
    return new MqttClient(builder, {
      clientId,
      protocolVersion: v5 ? 5 : 4,
      clean: !persistent,
      ...(v5 && persistent ? { properties: { sessionExpiryInterval: 600 } } : {}),
      reconnectPeriod: 100,
      connectTimeout: 15_000,
      keepalive: 60,
      resubscribe: false,
      ...GUEST,
    });
  }

  private member(clientId: string, v5: boolean, persistent: boolean): Member {
    const links: Link[] = [];
    const client = this.client(clientId, v5, persistent, links);
    const m: Member = { clientId, client, v5, disconnects: [], closedAt: [], links };
    const link = (): Link | undefined => links[links.length - 1];
    client.on('connect', () => {
      const l = link();
      if (l) l.connackAt = Date.now();
    });
    client.on('disconnect', (p) => {
      const l = link();
      if (l) l.disconnect = { at: Date.now(), packet: p };
      if (Date.now() >= this.since) m.disconnects.push(p);
    });
    client.on('close', () => {
      const l = link();
      if (l && l.closedAt === undefined) [l.closedAt, l.byClient] = [Date.now(), client.disconnecting];
      if (Date.now() >= this.since && !client.disconnecting) m.closedAt.push(Date.now());
    });
    client.on('error', (err: Error & { code?: string | number }) => {
      link()?.errors.push(`${err.code ?? ''} ${err.message}`.trim());
    });
    this.members.push(m);
    return m;
  }

  private async connectAll(): Promise<void> {
    const { clients, subscribers } = this.run;
    for (let i = 0; i < subscribers; i++) {
      const v5 = i % 2 === 0;
      const id = uniqueId(`rebal-sub${v5 ? 5 : 3}`);
      this.set.sessionQueue(id);
      const m = this.member(id, v5, true);
      const seen = new Map<number, number>();
      this.seen.push(seen);
      m.client.on('message', (_t, payload) => {
        const n = Number(payload.toString());
        seen.set(n, (seen.get(n) ?? 0) + 1);
      });
      await connected(m.client);
      await m.client.subscribeAsync(`${this.root}/n`, { qos: 1 });
    }
    // The rest idle, clean, half of them MQTT 5; one slot is the publisher's.
    const idle = clients - subscribers - 1;
    for (let i = 0; i < idle; i += 200) {
      const batch = Array.from({ length: Math.min(200, idle - i) }, (_, k) =>
        this.member(uniqueId('rebal-idle'), (i + k) % 2 === 0, false),
      );
      await Promise.all(batch.map((m) => connected(m.client)));
    }
  }

  private get acked(): ReadonlySet<number> {
    return this.stream?.acked ?? new Set();
  }

  private get published(): number {
    return this.stream?.published ?? 0;
  }

  private startStream(): void {
    const id = uniqueId('rebal-pub');
    this.set.sessionQueue(id);
    this.stream = new NumberedStream(
      this.member(id, true, true).client,
      `${this.root}/n`,
      this.run.publishEveryMs,
    );
    this.stream.start();
  }

  private async stopStream(): Promise<void> {
    this.stream?.stop();
    await until(() => this.acked.size === this.published, 'every publish acked', 15_000).catch(
      () => undefined,
    );
  }

  private complete(): boolean {
    return this.seen.every((s) => [...this.acked].every((n) => s.has(n)));
  }

  private counts() {
    const lostNumbers = new Set<number>();
    let lost = 0;
    let duplicates = 0;
    for (const s of this.seen) {
      for (const n of this.acked)
        if (!s.has(n)) {
          lost++;
          lostNumbers.add(n);
        }
      for (const times of s.values()) duplicates += times - 1;
    }
    return {
      published: this.published,
      acked: this.acked.size,
      held: this.stream?.held ?? 0,
      lost,
      duplicates,
      lostNumbers: [...lostNumbers].sort((x, y) => x - y),
    };
  }

  private closes(handOffs: number[]) {
    const times = this.members.flatMap((m) => m.closedAt);
    const handedOff = this.members.filter((m) => m.closedAt.length > 0);
    const v5 = handedOff.filter((m) => m.v5);
    const ref = this.run.serverReference;
    const right = (p: IDisconnectPacket): boolean =>
      p.reasonCode === 0x9c && p.properties?.serverReference === ref;
    const wrong = v5.filter((m) => m.disconnects.length === 0 || !m.disconnects.every(right));
    const span = times.length > 1 ? (Math.max(...times) - Math.min(...times)) / 1000 : 1;
    return {
      handOffs,
      shedders: handOffs.filter((n) => n > 0).length,
      closes: times.length,
      peakPerSecond: peakIn(times, 1000),
      peakPerSecondOver5s: peakIn(times, 5000) / 5,
      closesSpanMs: times.length > 1 ? Math.max(...times) - Math.min(...times) : 0,
      meanPerSecond: Math.round(times.length / Math.max(span, 1)),
      v5HandedOff: v5.length,
      v5Wrong: wrong.length,
      v5WrongDetail: wrong.map((m) => this.describe(m)),
      v3HandedOff: handedOff.length - v5.length,
    };
  }

  /**
   * What a client saw on each connection it made from a second before the
   * join on: the replica (by its order of start and port), when it connected
   * and got CONNACK, the DISCONNECT (reason code, Server Reference, reason
   * string) and errors (socket errors, mqtt.js' own timeouts), and the close,
   * all in ms from the join; then the adapter's log lines of those connections.
   */
  private describe(m: Member): string {
    const ports = this.set.list.map((r) => r.ports.mqtt);
    const t = (at: number | undefined): string => (at === undefined ? '-' : `${at - this.since}`);
    const links = m.links
      .filter((l) => l.closedAt === undefined || l.closedAt >= this.since - 1000)
      .map((l) => {
        const d = l.disconnect?.packet;
        const parts = [
          `replica ${ports.indexOf(l.port)} (:${l.port}) opened ${t(l.openedAt)}`,
          `connack ${t(l.connackAt)}`,
          d
            ? `DISCONNECT 0x${(d.reasonCode ?? 0).toString(16)} at ${t(l.disconnect?.at)} ${JSON.stringify(d.properties ?? {})}`
            : 'no DISCONNECT',
          ...(l.errors.length > 0 ? [`errors ${l.errors.join('; ')}`] : []),
          `closed ${t(l.closedAt)}${l.byClient ? ' by the client' : ''}`,
        ];
        return parts.join(', ');
      });
    return `${m.clientId} (v5): ${links.join(' | ')}\n${this.adapterLines(m.clientId)}`;
  }

  /** The replicas' log lines of the client's connections (found by its client id, then by their conn ids). */
  private adapterLines(clientId: string): string {
    const out: string[] = [];
    this.set.list.forEach((r, i) => {
      const lines = r.output().split('\n');
      const conns = new Set<string>();
      for (const line of lines)
        if (line.includes(clientId)) {
          const c = /"conn":"([^"]+)"/.exec(line);
          if (c) conns.add(c[1]);
        }
      for (const line of lines)
        if (line.includes(clientId) || [...conns].some((c) => line.includes(`"conn":"${c}"`)))
          out.push(`        replica ${i}: ${line}`);
    });
    return out.join('\n');
  }
}

/** Largest distance from the average, as a fraction of it. */
export function spreadOf(counts: readonly number[]): number {
  const mean = counts.reduce((s, n) => s + n, 0) / counts.length;
  return mean === 0 ? 0 : Math.max(...counts.map((n) => Math.abs(n - mean))) / mean;
}

function connected(client: MqttClient): Promise<void> {
  return within(new Promise<void>((resolve) => client.once('connect', () => resolve())), 20_000, 'CONNACK');
}
