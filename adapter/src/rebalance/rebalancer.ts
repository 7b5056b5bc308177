import type { Counter } from 'prom-client';
import type { Logger } from 'pino';
import type { ReplicaLoad, ReplicaLoads } from '../ports/replica-loads';
import { Pacer } from './pacer';
import { shareOf } from './plan';
import { Triggers, type Trigger } from './triggers';

/** A client connection that a rebalance can hand off. */
export interface HandOffable {
  readonly phase: string;
  /** DISCONNECT 0x9C (v5) or a plain close (v3), the will held for the drain grace as in a drain. */
  shutdown(kind: 'rebalance'): Promise<void>;
}

export interface RebalanceHost {
  /** Sessions this replica holds now. */
  sessions(): number;
  /**
   * Whether it can take clients (RabbitMQ reachable). One that cannot keeps
   * no record, so the others neither count it nor hand clients to it, and
   * it joins, triggering a round, once it can.
   */
  ready(): boolean;
  /** Its client connections. */
  connections(): Iterable<HandOffable>;
}

export interface RebalanceOptions {
  readonly incarnation: string;
  readonly ratePerSecond: number;
  readonly tolerance: number;
  readonly delayMs: number;
  readonly intervalMs: number;
}

export interface RebalanceMetrics {
  readonly disconnects: Counter;
  readonly rounds: Counter<'trigger'>;
}

/**
 * A round hands off at most this many times its excess at the start: about a
 * replica's share of the clients closed comes back to it through the load
 * balancer, which a round expects; far more means clients cannot reach the
 * other replicas, and handing off more would only churn them.
 */
const BUDGET_FACTOR = 3;

interface Round {
  readonly trigger: Trigger;
  readonly startedAt: number;
  readonly total: number;
  readonly budget: number;
  handed: number;
  readonly pacer: Pacer;
  /** Connections not yet tried this round, taken at random. */
  pool: HandOffable[];
}

/**
 * Rebalancing on one replica. Every interval it publishes its session count
 * and reads the others' and the standing request (ReplicaLoads); a trigger
 * (see Triggers) starts a round if this replica holds more than the average
 * by more than the tolerance. A round hands off random open connections,
 * paced by Pacer at no more than the rate, until the replica is down to the
 * average (rounded up), with the round's own total kept while its clients
 * are on their way elsewhere.
 */
export class Rebalancer {
  private readonly triggers: Triggers;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private view: readonly ReplicaLoad[] = [];
  private round: Round | undefined;
  private stopped = false;
  private failing = false;

  constructor(
    private readonly loads: ReplicaLoads,
    private readonly host: RebalanceHost,
    private readonly options: RebalanceOptions,
    private readonly metrics: RebalanceMetrics,
    private readonly log: Logger,
  ) {
    this.triggers = new Triggers(options.incarnation, options.delayMs);
  }

  start(): void {
    const tick = (): void => {
      // One tick at a time: a slow Redis must not stack them up.
      this.ticking ??= this.tick().finally(() => (this.ticking = undefined));
    };
    tick();
    this.timer = setInterval(tick, this.options.intervalMs);
    this.timer.unref();
  }

  /** Asks every replica to rebalance (POST /rebalance); they see it on their next tick. */
  request(): Promise<string> {
    return this.loads.request();
  }

  /** Ends any round and the ticks, and withdraws this replica's record (the drain's first step). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.round?.pacer.stop();
    await this.ticking;
    await this.loads.withdraw().catch(() => undefined);
  }

  private async tick(): Promise<void> {
    try {
      // A record lives three intervals, so one slow tick does not drop this replica from the view.
      if (this.host.ready()) await this.loads.publish(this.host.sessions(), 3 * this.options.intervalMs);
      else await this.loads.withdraw();
      const [view, request] = await Promise.all([this.loads.read(), this.loads.standingRequest()]);
      if (this.stopped) return;
      this.view = view;
      this.failing = false;
      const trigger = this.triggers.observe(
        view.map((l) => l.incarnation),
        request,
        Date.now(),
      );
      if (trigger && !this.round) this.begin(trigger);
    } catch (err) {
      if (!this.failing)
        this.log.warn({ err: (err as Error).message }, 'rebalance: cannot read replica loads');
      this.failing = true;
    }
  }

  private begin(trigger: Trigger): void {
    const { incarnation, tolerance, ratePerSecond } = this.options;
    const mine = this.host.sessions();
    const share = shareOf(this.view, incarnation, mine, tolerance);
    if (!share.over) {
      this.log.debug({ trigger, sessions: mine, target: share.target }, 'rebalance: within tolerance');
      return;
    }
    const round: Round = {
      trigger,
      startedAt: Date.now(),
      total: share.total,
      budget: BUDGET_FACTOR * (mine - share.target),
      handed: 0,
      pacer: new Pacer(ratePerSecond),
      pool: [],
    };
    this.round = round;
    this.metrics.rounds.inc({ trigger });
    this.log.info(
      { trigger, sessions: mine, target: share.target, replicas: share.replicas, rate: ratePerSecond },
      'rebalance: handing clients off',
    );
    void round.pacer
      .run(() => this.step(round))
      .then(() => {
        this.round = undefined;
        this.log.info(
          {
            trigger,
            handedOff: round.handed,
            sessions: this.host.sessions(),
            ms: Date.now() - round.startedAt,
          },
          'rebalance: round over',
        );
      });
  }

  /** One hand-off, or false when the round is over. */
  private step(round: Round): boolean {
    const mine = this.host.sessions();
    const share = shareOf(this.view, this.options.incarnation, mine, this.options.tolerance, round.total);
    if (mine <= share.target) return false;
    if (round.handed >= round.budget) {
      this.log.warn(
        { handedOff: round.handed, sessions: mine, target: share.target },
        'rebalance: clients keep coming back; are the other replicas reachable through the load balancer?',
      );
      return false;
    }
    const c = this.pick(round);
    if (!c) return false;
    round.handed++;
    this.metrics.disconnects.inc();
    void c.shutdown('rebalance');
    return true;
  }

  /** A random open connection not yet tried this round; the pool is refilled once it runs dry. */
  private pick(round: Round): HandOffable | undefined {
    for (let refilled = false; ; refilled = true) {
      while (round.pool.length > 0) {
        const i = Math.floor(Math.random() * round.pool.length);
        const c = round.pool[i];
        round.pool[i] = round.pool[round.pool.length - 1];
        round.pool.pop();
        if (c.phase === 'open') return c;
      }
      if (refilled) return undefined;
      round.pool = [...this.host.connections()];
    }
  }
}
