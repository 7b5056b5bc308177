import type { Counter } from 'prom-client';
import type { Logger } from 'pino';
import type { ReplicaLoad, ReplicaLoads } from '../ports/replica-loads';
import { JITTER, Pacer } from './pacer';
import { shareOf, shouldShed, type Share } from './plan';
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
  /** Most rounds one trigger starts, the first included, before the replicas are even. */
  readonly maxRounds: number;
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
 * A trigger's rebalance as one replica follows it: when it may look next, and
 * its count towards the most rounds, which grows with every round it starts
 * and every look at which it sheds nothing and the replicas came no nearer
 * the average. While another replica's round brings them nearer, a replica
 * with nothing to shed waits without counting, however long that round takes.
 */
interface Rebalance {
  readonly trigger: Trigger;
  rounds: number;
  nextAt: number;
  /**
   * The most sessions over all replicas seen in it: clients slow to come back
   * after a round are in no count, and taking them for gone would have the
   * replicas above the lowered average shed again.
   */
  total: number;
  /** Share.farthest at the last look. */
  farthest: number;
}

/**
 * Rebalancing on one replica. Every interval it publishes its session count
 * and reads the others' and the standing request (ReplicaLoads); a trigger
 * (see Triggers) starts a round if this replica should shed (shouldShed). A
 * round hands off random open connections, paced by Pacer at no more than
 * the rate, until the replica is down to the average (rounded up), with the
 * round's own total kept while its clients are on their way elsewhere.
 *
 * The clients handed off land wherever the load balancer sends them, so one
 * round can leave a replica that got few of them off the average by more
 * than the tolerance. Each replica therefore looks again a settling time
 * after a round (its own, or the trigger's when it had none), and starts
 * another while any replica is off, up to `maxRounds` (see Rebalance); then
 * it gives up with a warning.
 */
export class Rebalancer {
  private readonly triggers: Triggers;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private view: readonly ReplicaLoad[] = [];
  private round: Round | undefined;
  private rebalance: Rebalance | undefined;
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
      // A trigger during a rebalance starts its count of rounds afresh.
      const now = Date.now();
      if (trigger) this.rebalance = { trigger, rounds: 0, nextAt: now, total: 0, farthest: Infinity };
      if (!this.round && this.rebalance && now >= this.rebalance.nextAt) this.next(this.rebalance, now);
    } catch (err) {
      if (!this.failing)
        this.log.warn({ err: (err as Error).message }, 'rebalance: cannot read replica loads');
      this.failing = true;
    }
  }

  /** The rebalance's next round, if any replica is still off and this one should shed. */
  private next(rebalance: Rebalance, now: number): void {
    const { incarnation, tolerance, maxRounds } = this.options;
    const mine = this.host.sessions();
    const share = shareOf(this.view, incarnation, mine, tolerance, rebalance.total);
    const nearer = share.farthest < rebalance.farthest;
    rebalance.total = share.total;
    rebalance.farthest = share.farthest;
    const shed = shouldShed(share, mine);
    if (!shed && !share.uneven) {
      this.rebalance = undefined;
      const fields = { trigger: rebalance.trigger, rounds: rebalance.rounds, sessions: mine };
      if (rebalance.rounds > 0) this.log.info(fields, 'rebalance: replicas within tolerance');
      else this.log.debug(fields, 'rebalance: within tolerance');
      return;
    }
    const counted = shed || !nearer;
    if (counted && rebalance.rounds >= maxRounds) {
      this.rebalance = undefined;
      this.log.warn(
        { trigger: rebalance.trigger, rounds: rebalance.rounds, sessions: this.sessionsPerReplica(mine) },
        'rebalance: replicas still off the average by more than the tolerance after the most rounds',
      );
      return;
    }
    rebalance.nextAt = now + this.settleMs();
    if (counted) rebalance.rounds++;
    if (shed) this.begin(rebalance, share, mine);
  }

  /**
   * The wait before looking again: long enough for the clients handed off to
   * reconnect and their new replicas to publish (the delay a new replica gets,
   * and three intervals at least), with jitter so the replicas do not start
   * their next rounds in step.
   */
  private settleMs(): number {
    const { delayMs, intervalMs } = this.options;
    return Math.max(delayMs, 3 * intervalMs) * (1 + JITTER * Math.random());
  }

  private sessionsPerReplica(mine: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const l of this.view) out[l.incarnation] = l.sessions;
    out[this.options.incarnation] = mine;
    return out;
  }

  private begin(rebalance: Rebalance, share: Share, mine: number): void {
    const { trigger } = rebalance;
    const { ratePerSecond } = this.options;
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
      {
        trigger,
        round: rebalance.rounds,
        sessions: mine,
        target: share.target,
        replicas: share.replicas,
        rate: ratePerSecond,
      },
      'rebalance: handing clients off',
    );
    void round.pacer
      .run(() => this.step(round))
      .then(() => {
        this.round = undefined;
        if (this.rebalance === rebalance) rebalance.nextAt = Date.now() + this.settleMs();
        this.log.info(
          {
            trigger,
            round: rebalance.rounds,
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
