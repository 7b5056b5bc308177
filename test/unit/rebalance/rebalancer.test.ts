import { strict as assert } from 'node:assert';
import pino from 'pino';
import type { ReplicaLoad, ReplicaLoads } from '../../../adapter/src/ports/replica-loads';
import { createMetrics } from '../../../adapter/src/observability/metrics';
import { Rebalancer, type HandOffable } from '../../../adapter/src/rebalance/rebalancer';

async function until(check: () => boolean, what: string, ms = 1000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Replica loads in one Map, as the replicas of one Redis see them (expiry left out). */
class SharedLoads {
  readonly records = new Map<string, number>();
  request: string | undefined;
  private seq = 0;

  of(incarnation: string): ReplicaLoads {
    return {
      publish: (sessions) => Promise.resolve(void this.records.set(incarnation, sessions)),
      read: () =>
        Promise.resolve(
          [...this.records].map(([i, sessions]): ReplicaLoad => ({ incarnation: i, sessions })),
        ),
      request: () => Promise.resolve((this.request = `r${++this.seq}`)),
      standingRequest: () => Promise.resolve(this.request),
      withdraw: () => Promise.resolve(void this.records.delete(incarnation)),
    };
  }
}

/** A replica's connections: a hand-off closes one and counts it. */
class Conns {
  readonly open = new Set<HandOffable & { phase: string }>();
  handedOff = 0;

  /**
   * `comeBack`: every client handed off is back at once, as if no other
   * replica were reachable. `land`, when set, picks the replica a client
   * handed off reconnects to, as a load balancer would.
   */
  constructor(
    n: number,
    private readonly comeBack = false,
  ) {
    for (let i = 0; i < n; i++) this.add();
  }

  land: (() => Conns) | undefined;

  add(): void {
    const c = {
      phase: 'open',
      shutdown: () => {
        c.phase = 'closed';
        this.open.delete(c);
        this.handedOff++;
        if (this.comeBack) this.add();
        this.land?.().add();
        return Promise.resolve();
      },
    };
    this.open.add(c);
  }

  ready = true;

  host() {
    return { sessions: () => this.open.size, connections: () => this.open, ready: () => this.ready };
  }
}

const options = (incarnation: string) => ({
  incarnation,
  ratePerSecond: 500,
  tolerance: 0.1,
  delayMs: 0,
  intervalMs: 20,
  maxRounds: 5,
});
const quiet = pino({ level: 'silent' });

describe('rebalance: a replica above the average hands clients off', () => {
  const started: Rebalancer[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((r) => r.stop()));
  });

  function replica(shared: SharedLoads, name: string, conns: Conns, log = quiet, maxRounds = 5) {
    const metrics = createMetrics();
    const r = new Rebalancer(
      shared.of(name),
      conns.host(),
      { ...options(name), maxRounds },
      { disconnects: metrics.rebalanceDisconnects, rounds: metrics.rebalanceRounds },
      log,
    );
    started.push(r);
    r.start();
    return { r, metrics };
  }

  it('on a request, down to the average, and the others hand off nothing', async () => {
    const shared = new SharedLoads();
    const a = new Conns(30);
    const b = new Conns(0);
    const c = new Conns(3);
    const { r, metrics } = replica(shared, 'a/1', a);
    replica(shared, 'b/1', b);
    replica(shared, 'c/1', c);
    await until(() => shared.records.size === 3, 'three records');
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(a.handedOff, 0, 'nothing before a trigger');
    await r.request();
    await until(() => a.open.size === 11, 'A down to the average', 2000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(a.handedOff, 19);
    assert.equal(c.handedOff + b.handedOff, 0);
    const text = await metrics.registry.metrics();
    assert.match(text, /^mqtt_adapter_rebalance_disconnects_total 19$/m);
    assert.match(text, /^mqtt_adapter_rebalance_rounds_total\{trigger="request"\} 1$/m);
  });

  it('when a replica joins, after the delay; and withdraws its record on stop', async () => {
    const shared = new SharedLoads();
    const a = new Conns(20);
    const { r } = replica(shared, 'a/1', a);
    await until(() => shared.records.size === 1, 'A publishes');
    await new Promise((resolve) => setTimeout(resolve, 60));
    replica(shared, 'b/1', new Conns(0));
    await until(() => a.open.size === 10, 'A hands half off', 2000);
    await r.stop();
    assert.equal(shared.records.has('a/1'), false);
  });

  it('counts a replica only while it can take clients, and takes its becoming ready for a join', async () => {
    const shared = new SharedLoads();
    const a = new Conns(20);
    const b = new Conns(0);
    b.ready = false;
    replica(shared, 'a/1', a);
    replica(shared, 'b/1', b);
    await until(() => shared.records.has('a/1'), 'A publishes');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(shared.records.has('b/1'), false, 'no record while not ready');
    assert.equal(a.handedOff, 0);
    b.ready = true;
    await until(() => a.open.size === 10, 'A hands half off once B is ready', 2000);
  });

  it('gives up a round when clients keep coming back, and the rebalance after the most rounds', async () => {
    const shared = new SharedLoads();
    const a = new Conns(10, true);
    const { r } = replica(shared, 'a/1', a, quiet, 2);
    replica(shared, 'b/1', new Conns(0));
    await until(() => shared.records.size === 2, 'two records');
    await new Promise((resolve) => setTimeout(resolve, 60));
    await r.request();
    await until(() => a.handedOff > 0, 'a round');
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Excess 5, budget 3 x 5, two rounds.
    assert.equal(a.handedOff, 30);
    assert.equal(a.open.size, 10);
  });

  it('goes on with more rounds while the clients handed off left a replica short, until all are within the tolerance', async function () {
    this.timeout(5000);
    const shared = new SharedLoads();
    const a = new Conns(120);
    const b = new Conns(0);
    const c = new Conns(0);
    // The load balancer sends three of every four clients A hands off to C, and all that C hands off to B.
    let sent = 0;
    a.land = () => (++sent % 4 === 0 ? b : c);
    c.land = () => b;
    const { r } = replica(shared, 'a/1', a);
    replica(shared, 'b/1', b);
    const { metrics: cMetrics } = replica(shared, 'c/1', c);
    await until(() => shared.records.size === 3, 'three records');
    await r.request();
    await until(() => a.open.size === 40, 'A down to the average', 2000);
    await until(
      () => [a, b, c].every((x) => x.open.size >= 36 && x.open.size <= 44),
      'every replica within 10 % of the average',
      2000,
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}: ${[a, b, c].map((x) => x.open.size).join(', ')}`);
    });
    assert.equal(b.handedOff, 0, 'the replica below the average sheds nothing');
    assert.match(
      await cMetrics.registry.metrics(),
      /^mqtt_adapter_rebalance_rounds_total\{trigger="request"\} [1-9]$/m,
      'C, at 0 when asked, sheds in a later round',
    );
  });

  it('stops after the most rounds, with a warning, when a replica stays short', async function () {
    this.timeout(5000);
    const shared = new SharedLoads();
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const a = new Conns(30);
    const b = new Conns(0);
    const c = new Conns(0);
    // B is unreachable: what A and C hand off lands on the other of them.
    a.land = () => c;
    c.land = () => a;
    replica(shared, 'a/1', a, log, 3);
    const { r } = replica(shared, 'b/1', b, log, 3);
    replica(shared, 'c/1', c, log, 3);
    await until(() => shared.records.size === 3, 'three records');
    await r.request();
    await until(
      () => lines.filter((l) => l.includes('after the most rounds')).length === 3,
      'the warning from each replica',
      5000,
    );
    const handed = a.handedOff + c.handedOff;
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(a.handedOff + c.handedOff, handed, 'no round after the last');
    const rounds = lines.filter((l) => l.includes('handing clients off')).length;
    assert.ok(rounds >= 3 && rounds <= 6, `${rounds} rounds over A and C, 3 at most each`);
    assert.equal(b.open.size, 0);
  });
});
