import mqtt, { type MqttClient } from 'mqtt';
import { GUEST } from '../../test/integration/helpers/adapter';
import { delay, within } from '../../test/integration/helpers/wait';
import { Roamer } from './roamer';
import { minMedianMax } from './spread';
import { StreamCounter } from './stream-count';
import { WillLedger } from './will-ledger';

export type Qos = 1 | 2;

/** One arrival of a numbered message at a subscriber. */
export interface Arrival {
  readonly at: number;
  readonly id: number | undefined;
  readonly dup: boolean;
}

/**
 * The clients of a chaos run, all named after its tag: a numbered publisher
 * per QoS, persistent subscribers (MQTT 3.1.1 clean session 0 and MQTT 5
 * session expiry) counting each stream, a persistent will watcher, and
 * short-lived clients with wills put on a replica about to fail.
 */
export class Traffic {
  readonly topics: Record<Qos, string>;
  readonly willRoot: string;
  /** One counter per subscriber and stream. */
  readonly counters: Record<Qos, StreamCounter[]> = { 1: [], 2: [] };
  readonly wills = new WillLedger();
  readonly roamers: Roamer[] = [];
  private readonly willClients = new Map<string, MqttClient>();
  /** Each arrival per subscriber, QoS and number: when (epoch ms), under which packet id, with DUP or not. */
  private readonly arrivals: Record<Qos, Map<number, Arrival[]>[]> = { 1: [], 2: [] };
  /** When each number was acknowledged (epoch ms), to place a doubled one among the faults. */
  readonly ackedAt: Record<Qos, Map<number, number>> = { 1: new Map(), 2: new Map() };
  private publishing = false;
  private publishers: Promise<void>[] = [];
  private willSeq = 0;
  private left = false;

  constructor(
    readonly tag: string,
    private readonly livePort: () => number,
    private readonly paceMs: number,
  ) {
    this.topics = { 1: `chaos/${tag}/qos1`, 2: `chaos/${tag}/qos2` };
    this.willRoot = `chaos/${tag}/will`;
  }

  private roamer(name: string, options: Partial<mqtt.IClientOptions> = {}): Roamer {
    const r = new Roamer(this.livePort, { clientId: `${this.tag}-${name}`, clean: false, ...options }, true);
    this.roamers.push(r);
    return r;
  }

  /** Subscribers and the will watcher connected and subscribed; then the publishers start. */
  async start(): Promise<void> {
    const watcher = this.roamer('watcher');
    watcher.client.on('message', (topic, payload) => {
      if (topic.startsWith(`${this.willRoot}/`)) this.wills.arrived(payload.toString(), Date.now());
    });
    const subscribers = [
      this.roamer('sub-v4'),
      this.roamer('sub-v5', { protocolVersion: 5, properties: { sessionExpiryInterval: 600 } }),
    ];
    for (const s of subscribers) {
      const mine = { 1: new StreamCounter(), 2: new StreamCounter() };
      const seen = { 1: new Map<number, Arrival[]>(), 2: new Map<number, Arrival[]>() };
      this.counters[1].push(mine[1]);
      this.counters[2].push(mine[2]);
      this.arrivals[1].push(seen[1]);
      this.arrivals[2].push(seen[2]);
      s.client.on('message', (topic, payload, packet) => {
        const qos = topic === this.topics[1] ? 1 : topic === this.topics[2] ? 2 : undefined;
        if (qos === undefined) return;
        const n = Number(payload);
        mine[qos].received(n);
        const a: Arrival = { at: Date.now(), id: packet.messageId, dup: packet.dup };
        seen[qos].set(n, [...(seen[qos].get(n) ?? []), a]);
      });
    }
    for (const r of this.roamers) await r.ready();
    await within(watcher.client.subscribeAsync(`${this.willRoot}/#`, { qos: 1 }), 5000, 'SUBACK');
    for (const s of subscribers)
      await within(
        s.client.subscribeAsync({ [this.topics[1]]: { qos: 1 }, [this.topics[2]]: { qos: 2 } }),
        5000,
        'SUBACK',
      );
    this.publishing = true;
    this.publishers = ([1, 2] as const).map((qos) => this.publish(qos));
  }

  /** Numbered messages, one at a time; a number counts as acknowledged on PUBACK / PUBCOMP. */
  private async publish(qos: Qos): Promise<void> {
    const p = this.roamer(`pub-qos${qos}`);
    await p.ready();
    for (let n = 0; this.publishing; n++) {
      await p.client.publishAsync(this.topics[qos], String(n), { qos });
      for (const c of this.counters[qos]) c.acked(n);
      this.ackedAt[qos].set(n, Date.now());
      await delay(this.paceMs);
    }
  }

  async stopPublishing(): Promise<void> {
    this.publishing = false;
    await within(Promise.all(this.publishers), 30_000, 'the last acknowledgements');
  }

  /** Clients with a will on the replica at `port` (one per protocol level) that will not come back; their names. */
  async putWills(port: number): Promise<string[]> {
    const names = [4, 5].map((v) => ({ v, name: `w${++this.willSeq}-v${v}` }));
    for (const { v, name } of names) {
      const client = mqtt.connect({
        host: '127.0.0.1',
        port,
        clientId: `${this.tag}-${name}`,
        protocolVersion: v as 4 | 5,
        reconnectPeriod: 0,
        connectTimeout: 5000,
        will: { topic: `${this.willRoot}/${name}`, payload: Buffer.from(name), qos: 1, retain: false },
        ...GUEST,
      });
      this.willClients.set(name, client);
      await within(new Promise((resolve) => client.once('connect', resolve)), 8000, 'will client CONNECT');
    }
    return names.map((n) => n.name);
  }

  /** Breaks the connections of the named will clients, as a network failure would (they do not reconnect). */
  cutWills(names: readonly string[]): void {
    for (const name of names)
      (this.willClients.get(name)?.stream as { destroy(): void } | undefined)?.destroy();
  }

  /** How number `n` of the QoS `qos` stream reached subscriber `subscriber`, each time it did. */
  arrivalsOf(qos: Qos, subscriber: number, n: number): readonly Arrival[] {
    return this.arrivals[qos][subscriber]?.get(n) ?? [];
  }

  streamsComplete(): boolean {
    return [...this.counters[1], ...this.counters[2]].every((c) => c.complete());
  }

  /** Everyone leaves; persistent sessions are discarded through `port`. */
  async leave(port: number): Promise<void> {
    if (this.left) return;
    this.left = true;
    for (const c of this.willClients.values()) await c.endAsync(true).catch(() => undefined);
    for (const r of this.roamers) await r.leave(port);
  }

  /** Reconnects of the persistent clients, those without session present, and the time each took (min, median, max). */
  reconnects(): { total: number; withoutSession: number; gapMs: number[] } {
    return {
      total: this.roamers.reduce((s, r) => s + r.reconnects, 0),
      withoutSession: this.roamers.reduce((s, r) => s + r.withoutSession, 0),
      gapMs: minMedianMax(this.roamers.flatMap((r) => r.gapsMs)),
    };
  }
}
