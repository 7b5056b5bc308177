import type { IDisconnectPacket, Packet } from 'mqtt-packet';
import type { Log } from '../log';
import { failureOf, type BrokerError, type BrokerLink, type LinkEvents } from '../ports/broker';
import type { Credentials } from '../ports/credentials';
import { MqttError } from '../mqtt/errors';
import { Reason, disconnectCode } from '../mqtt/reason-codes';
import {
  StaleEpochError,
  type InboundQos2Entry,
  type OutboundUnacked,
  type RecentToken,
  type SessionState,
  type StoredSubscription,
} from '../ports/session-store';
import { closingWillPlan } from './will-rules';
import { Deliverer } from './delivery';
import { InboundPublisher } from './publish-in';
import { Qos2Journal } from './qos2-journal';
import type { Displaceable } from './registry';
import { RetainedStreams } from './retained-stream';
import { sendWithReason, subackReasonString } from './reason-string';
import { Subscriptions, type SubscriptionsOwner } from './subscriptions';
import type { ClientLimits, Outbound, SessionDeps } from './types';
import type { Will } from './will';
import { withDeadline } from './deadline';
import { rideThrough } from './ride-through';
import { systemClock } from '../ports/clock';

/** The end of a chain with nothing in it: one promise for every session. */
const SETTLED: Promise<void> = Promise.resolve();

/** How many close deadlines a resumed session awaits its last connection's unacked messages, fresh ones coming first or not. */
const RESEND_HOLD_CLOSES = 3;

export interface SessionInit {
  readonly clientId: string;
  readonly connectionId: string;
  readonly protocolVersion: number;
  /** The session outlives the connection (v3 clean session 0, v5 Session Expiry > 0). */
  readonly persistent: boolean;
  readonly sessionPresent: boolean;
  readonly expirySeconds: number;
  readonly epoch: number;
  readonly will: Will | undefined;
  readonly credentials: Credentials;
  readonly limits: ClientLimits;
  /** Our Receive Maximum toward the client and its prefetch. */
  readonly window: number;
}

/**
 * The protocol state machine of one connected client. It is handed an
 * Outbound to send through and never sees the socket, so every transport
 * drives the same code.
 */
export class Session implements Displaceable, LinkEvents, SubscriptionsOwner {
  readonly clientId: string;
  readonly connectionId: string;
  readonly epoch: number;
  // What a client that only holds its connection never uses is made on first use: an idle
  // connection is mostly these, and the adapter holds tens of thousands of them.
  private madeDeliverer: Deliverer | undefined;
  private madePublisher: InboundPublisher | undefined;
  private madeRetained: RetainedStreams | undefined;
  private readonly subs: Subscriptions;
  private will: Will | undefined;
  private expirySeconds: number;
  private closing: Promise<void> | undefined;
  /** Where the close is, for the log line of a close past its deadline. */
  private closeStep = 'not started';
  /** CONNACK went out: from here on the client counts as connected (its will, its stored state). */
  private opened = false;
  /** Another connection, perhaps on another replica, owns the client id now, and with it the queue. */
  private displaced = false;
  private chain: Promise<void> = SETTLED;
  private readonly log: Log;
  private readonly v5: boolean;
  /** Deliveries in flight, and the prefetch behind them, toward this client. */
  private readonly outbound: number;

  constructor(
    private readonly deps: SessionDeps,
    private readonly link: BrokerLink,
    private readonly out: Outbound,
    private readonly init: SessionInit,
    /** The connection's log, with the client id: apart from `deps`, which every session shares as it is. */
    log: Log,
  ) {
    this.clientId = init.clientId;
    this.connectionId = init.connectionId;
    this.epoch = init.epoch;
    this.will = init.will;
    this.expirySeconds = init.expirySeconds;
    this.v5 = init.protocolVersion === 5;
    this.log = log;
    // Deliveries in flight, and the prefetch behind them, stay within our window as well as the client's
    // Receive Maximum: a 3.x client has none, and its QoS 2 deliveries, acked to RabbitMQ at PUBREC, would
    // otherwise pile up awaiting PUBCOMP up to the 65535 packet ids.
    this.outbound = Math.min(init.window, init.limits.receiveMaximum);
    this.subs = new Subscriptions(
      deps,
      this.log,
      link,
      init.clientId,
      init.persistent,
      init.sessionPresent,
      this,
      init.protocolVersion,
      this.outbound,
    );
    link.events = this;
  }

  /** The RabbitMQ connection under the link is gone; once the close has begun it changes nothing. */
  linkLost(): void {
    if (!this.closing) this.out.close('RabbitMQ connection lost');
  }

  consumerLost(err: Error | undefined): void {
    // Its unacked deliveries went back to the queue; the client resumes on reconnecting.
    if (!this.link.lost) this.log.warn({ err: err?.message }, 'RabbitMQ closed the consumer channel');
    this.out.close('consumer channel closed');
  }

  consumersMoved(): void {
    // Without a deliverer nothing was delivered, so nothing comes back to recognise.
    this.madeDeliverer?.consumersMoved();
  }

  consumerCancelled(queue: string): void {
    void this.cancelledConsumer(queue);
  }

  publishRefused(err: BrokerError): void {
    // A v3 client has no way to hear of a refused QoS 0 publish but the closed connection, as with the plugin.
    if (!this.v5 && failureOf(err) === 'access-refused')
      this.fail(new MqttError(Reason.NotAuthorized, 'RabbitMQ refused a publish'));
  }

  /** The subscriptions' way to the deliverer, made on first use. */
  deliveries(): Deliverer {
    return this.deliverer;
  }

  /** Ends the connection for the subscriptions (a consume refused after its SUBACK). */
  end(why: string): void {
    this.out.close(why);
  }

  private get deliverer(): Deliverer {
    return (this.madeDeliverer ??= new Deliverer(
      this.out,
      this.clientId,
      () => this.subs.map.values(),
      (tag) => this.link.ack(tag),
      this.deps.metrics,
      this.v5,
      { ...this.init.limits, receiveMaximum: this.outbound },
      () => this.persistInOrder(),
    ));
  }

  private get publisher(): InboundPublisher {
    const { deps, init } = this;
    return (this.madePublisher ??= new InboundPublisher(
      { ...deps, log: this.log },
      this.link,
      this.out,
      init,
      (err) => this.fail(err),
      // A session that ends with its connection has no resend to recognise: it keeps no records.
      init.persistent
        ? new Qos2Journal(deps.sessions, init.clientId, init.epoch, {
            ms: deps.config.redisFailoverMs,
            clock: deps.clock ?? systemClock,
          })
        : undefined,
      () => this.subs.hasNoLocal,
    ));
  }

  private get retainedOut(): RetainedStreams {
    return (this.madeRetained ??= new RetainedStreams(
      this.deps.retained,
      this.deliverer,
      this.out,
      this.outbound,
      (err) => this.fail(err),
    ));
  }

  /**
   * Resumes a present session: subscriptions, queued messages (unacked ones
   * with DUP), QoS 2 state (`inboundQos2` as older sessions stored it). It runs in the chain, so a close waits for it
   * before tearing down what it made; packets it sends before CONNACK are
   * held by the connection until CONNACK is out.
   */
  resume(
    stored: {
      subscriptions: readonly StoredSubscription[];
      inboundQos2?: readonly number[];
      outboundPubrel?: readonly number[];
      outboundUnacked?: readonly OutboundUnacked[];
      recentTokens?: readonly RecentToken[];
    },
    records: readonly InboundQos2Entry[] = [],
  ): Promise<void> {
    const run = this.chain.then(async () => {
      if (this.closing) return;
      const legacy = (stored.inboundQos2 ?? []).map((id): InboundQos2Entry => ({
        id,
        token: '',
        state: 'received',
      }));
      const qos2 = [...legacy, ...records];
      if (qos2.length > 0) this.publisher.restore(qos2);
      const { outboundPubrel = [], outboundUnacked = [], recentTokens = [] } = stored;
      if (outboundPubrel.length > 0) this.deliverer.resendReleases(outboundPubrel);
      // The last connection's close may give its messages back up to its deadline and beyond, in the background.
      if (outboundUnacked.length > 0)
        this.deliverer.awaitResends(outboundUnacked, RESEND_HOLD_CLOSES * this.deps.config.closeTimeoutMs);
      if (recentTokens.length > 0) this.deliverer.rememberTokens(recentTokens);
      await this.subs.restore(stored.subscriptions);
    });
    // The chain goes on whatever happened; the CONNECT pipeline hears the failure and refuses the client.
    void this.extendChain(run.catch(() => undefined));
    return run;
  }

  /** CONNACK is out: a close from here on is the close of a connected client. */
  markOpen(): void {
    this.opened = true;
  }

  /** Handles one packet after CONNECT. Throws MqttError for a protocol violation. */
  handle(p: Packet): void {
    // Packets read before the close began are not acted on: what they would acquire is already being undone.
    if (this.closing) return;
    switch (p.cmd) {
      case 'publish':
        // Behind a SUBSCRIBE or UNSUBSCRIBE still being applied, a PUBLISH waits, so it meets the bindings
        // the client asked for first (as with the plugin, which applies each packet before the next).
        if (this.ordered > 0) void this.inOrder(() => Promise.resolve(this.publisher.handle(p)));
        else this.publisher.handle(p);
        return;
      // Nothing sent, nothing to acknowledge: an ack before any delivery is ignored, as an unknown id is.
      case 'puback':
      case 'pubcomp':
        this.madeDeliverer?.acknowledged(p.messageId as number);
        return;
      case 'pubrec':
        this.madeDeliverer?.received(p.messageId as number, p.reasonCode);
        return;
      case 'pubrel':
        this.publisher.released(p.messageId as number);
        return;
      case 'subscribe': {
        // From its reading on, publishes other clients send to these filters wait for the binds (PendingBinds).
        const hold = this.deps.pendingBinds.hold(p.subscriptions.map((s) => s.topic));
        const subscribed = this.inOrder(async () => {
          let result: Awaited<ReturnType<Subscriptions['subscribe']>>;
          try {
            result = await this.subs.subscribe(p);
          } finally {
            hold.release();
          }
          const { granted, retained } = result;
          const why = this.v5
            ? subackReasonString(
                p.subscriptions.map((s) => s.topic),
                granted,
              )
            : undefined;
          const suback = { cmd: 'suback' as const, messageId: p.messageId as number, granted };
          sendWithReason(this.out, suback, why, this.init.limits.requestProblemInformation);
          await this.persist();
          // Sent outside the chain, as the window allows: reading goes on, so the PUBACKs that make room come in.
          // Once the close has begun none start, nor are streams made that the close would not stop.
          if (!this.closing) for (const r of retained) this.retainedOut.start(r);
        });
        // A SUBSCRIBE the close overtook never runs; its hold ends with it.
        void subscribed.then(hold.release);
        return;
      }
      case 'unsubscribe':
        void this.inOrder(async () => {
          for (const filter of p.unsubscriptions) this.madeRetained?.stop(filter);
          const codes = await this.subs.unsubscribe(p);
          // mqtt-packet writes the reason codes only for protocol level 5.
          this.out.send({ cmd: 'unsuback', messageId: p.messageId as number, granted: codes });
          await this.persist();
        });
        return;
      case 'pingreq':
        this.out.send({ cmd: 'pingresp' });
        return;
      case 'disconnect':
        this.disconnect(p);
        return;
      case 'auth':
        throw new MqttError(Reason.ProtocolError, 'AUTH without an authentication method [MQTT-4.12.0-1]');
      case 'connect':
        throw new MqttError(Reason.ProtocolError, 'second CONNECT on one connection [MQTT-3.1.0-2]');
      default:
        throw new MqttError(Reason.ProtocolError, `unexpected ${p.cmd} from client`);
    }
  }

  private disconnect(p: IDisconnectPacket): void {
    const expiry = p.properties?.sessionExpiryInterval;
    if (expiry !== undefined) {
      // [MQTT-3.14.2-2] a session that was to end with the connection cannot be extended at DISCONNECT.
      if (this.init.expirySeconds === 0 && expiry > 0) {
        throw new MqttError(Reason.ProtocolError, 'Session Expiry set at DISCONNECT after 0 at CONNECT');
      }
      this.expirySeconds = Math.min(expiry, this.deps.config.sessionExpiryMax);
    }
    // [MQTT-3.14.4-3] a DISCONNECT discards the will, unless v5 reason 0x04 asks for it.
    if (p.reasonCode !== 0x04) this.will = undefined;
    this.out.close('client sent DISCONNECT');
  }

  /** SUBSCRIBE, UNSUBSCRIBE and state writes run one at a time, in order. */
  private serial(fn: () => Promise<void>): Promise<void> {
    return this.extendChain(
      this.chain.then(() => (this.closing ? undefined : fn())).catch((err: unknown) => this.fail(err)),
    );
  }

  /**
   * Makes `tail` the chain's end until it settles; then, with nothing queued
   * behind it, the chain goes back to the settled promise all sessions share,
   * so an idle session keeps no promise of its own.
   */
  private extendChain(tail: Promise<void>): Promise<void> {
    this.chain = tail;
    const settled = (): void => {
      if (this.chain === tail) this.chain = SETTLED;
    };
    tail.then(settled, settled);
    return tail;
  }

  /** persist() in the chain; true once the state is stored (false when the connection closed first). */
  /**
   * Stores the state behind the chain; true once stored while the connection
   * is still open. A write that lands after the close began counts as not
   * stored: the close has already stored what went out unacknowledged, and a
   * PUBREL sent now could reach the client while a resumed session, reading
   * that earlier state, sends the message again under its id.
   */
  private async persistInOrder(): Promise<boolean> {
    let stored = false;
    await this.serial(async () => {
      stored = await this.persist();
    });
    return stored && !this.closing;
  }

  /** Chained work a later PUBLISH must not overtake: SUBSCRIBE, UNSUBSCRIBE and the PUBLISHes queued behind them. */
  private ordered = 0;

  /**
   * Runs `fn` in the chain as ordered work; reading pauses meanwhile, so what queues behind it stays bounded.
   * Resolves once `fn` is done, or skipped because the close began first.
   */
  private inOrder(fn: () => Promise<void>): Promise<void> {
    this.ordered++;
    let ran = false;
    const done = this.serial(async () => {
      ran = true;
      try {
        await fn();
      } finally {
        this.ordered--;
      }
    }).then(() => {
      if (!ran) this.ordered--;
    });
    this.out.pauseReading(done);
    return done;
  }

  /** Stores the session's state, riding through a Redis failover; closing ends the attempts (false). */
  private async persist(): Promise<boolean> {
    if (!this.init.persistent) return true;
    const { sessions, config, clock = systemClock } = this.deps;
    try {
      return await rideThrough(
        async () => {
          if (this.closing) return false;
          await sessions.save(this.clientId, this.init.epoch, this.state());
          return true;
        },
        config.redisFailoverMs,
        clock,
      );
    } catch (err) {
      if (err instanceof StaleEpochError) throw err;
      // Counted among the store's errors already; for this connection it is the store, not a bug.
      throw new MqttError(
        Reason.UnspecifiedError,
        `session state could not be stored for ${config.redisFailoverMs} ms: ${(err as Error).message}`,
      );
    }
  }

  /**
   * What the store keeps of this session between connections. A closing session
   * (`closing`) leaves out the PUBRELs it never sent: their messages go back to
   * the queue, and a resume must not release them as well; it names the
   * PUBLISHes out and unacknowledged instead, so they go out again under their ids.
   */
  private state(closing = false): SessionState {
    return {
      protocolVersion: this.init.protocolVersion,
      expirySeconds: this.expirySeconds,
      vhost: this.init.credentials.vhost,
      subscriptions: this.subs.stored(),
      outboundPubrel: this.madeDeliverer?.pendingReleases(closing) ?? [],
      ...(closing ? this.handedOn() : this.released()),
    };
  }

  /** What a live session stores of its released QoS 2 messages, should its replica die before their acks reach RabbitMQ. */
  private released(): Pick<SessionState, 'outboundUnacked'> {
    const released = this.madeDeliverer?.releasedMarked() ?? [];
    return released.length > 0 ? { outboundUnacked: released } : {};
  }

  /** What only a closing session stores: what went out unacknowledged, and the QoS 2 tokens it met last. */
  private handedOn(): Pick<SessionState, 'outboundUnacked' | 'recentTokens'> {
    const tokens = this.madeDeliverer?.recentTokens() ?? [];
    return {
      outboundUnacked: this.madeDeliverer?.unacked() ?? [],
      ...(tokens.length > 0 ? { recentTokens: tokens } : {}),
    };
  }

  private fail(err: unknown): void {
    if (this.closing) return;
    const unexpected = !(err instanceof MqttError) && !(err instanceof StaleEpochError);
    if (unexpected) {
      this.deps.metrics.internalErrors.inc({ where: 'session' });
      this.log.error({ err: (err as Error).message, stack: (err as Error).stack }, 'unexpected error');
    }
    // A stale epoch means another connection claimed the client id while its notice was lost.
    const e =
      err instanceof MqttError
        ? err
        : err instanceof StaleEpochError
          ? new MqttError(Reason.SessionTakenOver, err.message)
          : new MqttError(Reason.UnspecifiedError, (err as Error).message);
    if (err instanceof StaleEpochError) this.displaced = true;
    this.log.warn({ reason: e.reason, err: e.message }, 'closing connection');
    if (this.v5)
      this.out.send({
        cmd: 'disconnect',
        reasonCode: disconnectCode(e.reason),
        properties: { reasonString: e.message },
      });
    this.out.close(e.message);
  }

  /**
   * RabbitMQ cancelled one of this client's consumers: its queue was deleted,
   * most often by a new owner of the client id whose takeover notice did not
   * reach us. The client is disconnected so it can resume; whether it was
   * displaced decides who settles its will and queue.
   */
  private async cancelledConsumer(queue: string): Promise<void> {
    if (this.closing) return;
    const epoch = await this.deps.sessions.epochOf(this.clientId).catch(() => undefined);
    if (epoch !== undefined && epoch > this.epoch) {
      this.fenced();
      return;
    }
    this.log.warn({ queue }, 'RabbitMQ cancelled a consumer; closing the connection so the client resumes');
    this.fail(new MqttError(Reason.UnspecifiedError, `consumer of ${queue} cancelled by RabbitMQ`));
  }

  /** The store says another connection owns the client id: its takeover notice was lost. */
  fenced(): void {
    if (this.closing || this.displaced) return;
    this.deps.metrics.fenced.inc();
    this.fail(new StaleEpochError(this.clientId, this.epoch));
  }

  /** Another connection took this client id [MQTT-3.1.4-2]. */
  async takeover(): Promise<void> {
    if (this.v5) this.out.send({ cmd: 'disconnect', reasonCode: Reason.SessionTakenOver });
    this.deps.metrics.takeovers.inc();
    this.displaced = true;
    this.out.close('session taken over');
    await this.close();
  }

  /**
   * Ends the connection's part of the session once: settles the will (see
   * closingWillPlan), gives unacked deliveries back to the queue, and removes
   * a session that ends with its connection.
   */
  close(kind: 'drain' | 'other' = 'other'): Promise<void> {
    this.closing ??= this.bounded(kind);
    return this.closing;
  }

  /**
   * The close has a deadline (MQTT_ADAPTER_CLOSE_TIMEOUT_MS): past it, the
   * client id is free for a reconnect while the rest of the undo goes on in
   * the background (a blocked RabbitMQ answers once it is unblocked).
   */
  private async bounded(kind: 'drain' | 'other'): Promise<void> {
    const ms = this.deps.config.closeTimeoutMs;
    const work = this.doClose(kind).catch((err: unknown) => {
      this.log.error({ err: (err as Error).message }, 'session close failed');
    });
    if ((await withDeadline(work, ms, this.deps.clock)) === 'timeout') {
      this.deps.metrics.deadlinesExceeded.inc({ step: 'close' });
      // The step it was at says which backend kept it waiting.
      this.log.warn(
        { ms, step: this.closeStep },
        'session close passed its deadline; finishing in the background',
      );
    }
    // Once the close is done, or at its deadline: the client id is free for a reconnect either way.
    this.deps.registry.release(this.clientId, this);
  }

  private async doClose(kind: 'drain' | 'other'): Promise<void> {
    // A client that reconnects at once claims its session, and from then on this connection's writes
    // are fenced out: what goes out again under its ids, and the tokens met, are stored before anything
    // slow, and once more at the end with whatever the steps between changed.
    const ending = !this.init.persistent || this.expirySeconds === 0;
    if (this.opened && !ending && !this.displaced) await this.saveClosing();
    this.closeStep = 'work under way';
    // Half the close deadline for work already under way (a SUBSCRIBE, confirms of QoS 1/2 publishes whose
    // PUBACKs can no longer be sent, a retained page being read), so the teardown below still runs within the rest.
    const half = this.deps.config.closeTimeoutMs / 2;
    const stopped = this.madeRetained?.close();
    await withDeadline(
      Promise.all([this.chain.then(() => this.madePublisher?.settledAll()), stopped]),
      half,
      this.deps.clock,
    );
    this.closeStep = 'will';
    if (!this.opened) {
      // A CONNECT that did not reach CONNACK never counted as connected: its will is removed, not published.
      if (this.init.will) await this.deps.wills.remove(this.clientId, this.init.epoch).catch(() => undefined);
    } else if (!this.displaced) {
      // A displaced connection's will is the new owner's to settle (it supersedes it at CONNECT, see
      // supersededWillFate): settling it here as well would race that and could publish a will the
      // new connection cancels by resuming within the Will Delay or the drain grace [MQTT-3.1.3-9].
      await this.settleWill(kind, ending).catch((err: unknown) => {
        // Redis is away: the will stays stored under this epoch; the backlog settles it once Redis answers.
        this.log.warn({ err: (err as Error).message }, 'will could not be settled; trying again later');
        this.deps.backlog.later(`will:${this.clientId}`, () => this.settleWill(kind, ending));
      });
    }
    // A displaced connection leaves the queue to the new owner: across replicas its close can come
    // after the new connection declared the queue afresh, and deleting it would lose the new session's messages.
    this.closeStep = 'consumers and queue';
    await this.subs.teardown(ending && !this.displaced);
    // A session that never opened may be partly restored: it is not written back over the stored one.
    if (this.opened && !ending) await this.saveClosing();
    this.closeStep = 'AMQP channels';
    await this.link.close();
    this.closeStep = 'client id release';
    const { sessions, backlog, reaper } = this.deps;
    // The session outlives the connection: once it expires unclaimed, its queue goes under this login.
    if (!ending && !this.displaced) reaper.remember(this.clientId, this.init.credentials, this.expirySeconds);
    const release = (): Promise<void> =>
      ending
        ? sessions.discard(this.clientId, this.init.epoch)
        : sessions.release(this.clientId, this.init.epoch);
    await release().catch((err: unknown) => {
      // Left owned, the owner record would never expire; the backlog releases it once Redis answers.
      this.log.warn({ err: (err as Error).message }, 'client id could not be released; trying again later');
      backlog.later(`ownership:${this.clientId}`, release);
    });
  }

  /** Stores what a closing session keeps; a write refused (fenced, Redis away) leaves the stored state as it was. */
  private async saveClosing(): Promise<void> {
    this.closeStep = 'session save';
    await this.deps.sessions.save(this.clientId, this.init.epoch, this.state(true)).catch(() => undefined);
  }

  /**
   * Drain: holds the will back for the drain grace before the client hears of
   * the shutdown. A client that reconnects to another replica at once then
   * finds its will held and cancels it [MQTT-3.1.3-9]; found not yet held, it
   * would count as the will of a connection taken over and be published. The
   * close schedules it again under the same epoch, which changes nothing.
   */
  async holdWill(): Promise<void> {
    if (!this.init.will || this.closing) return;
    const plan = this.willPlan('drain', !this.init.persistent || this.expirySeconds === 0);
    if (plan.action !== 'schedule') return;
    this.deps.willPublisher.remember(this.clientId, this.init.credentials, plan.delayMs);
    await this.deps.wills.schedule(this.clientId, this.init.epoch, plan.delayMs);
  }

  private willPlan(kind: 'drain' | 'other', ending: boolean): ReturnType<typeof closingWillPlan> {
    const { config } = this.deps;
    const closeKind = this.will === undefined ? 'disconnect' : kind === 'drain' ? 'drain' : 'abnormal';
    return closingWillPlan(
      closeKind,
      this.init.will?.delaySeconds ?? 0,
      this.expirySeconds,
      ending,
      config.willDrainGraceMs,
      config.store === 'redis',
    );
  }

  private async settleWill(kind: 'drain' | 'other', ending: boolean): Promise<void> {
    if (!this.init.will) return;
    const { wills, willPublisher } = this.deps;
    const plan = this.willPlan(kind, ending);
    if (plan.action === 'remove') {
      await wills.remove(this.clientId, this.init.epoch);
      return;
    }
    willPublisher.remember(
      this.clientId,
      this.init.credentials,
      plan.action === 'schedule' ? plan.delayMs : 0,
    );
    if (plan.action === 'schedule') {
      await wills.schedule(this.clientId, this.init.epoch, plan.delayMs);
      return;
    }
    // take() hands the will out at most once, whichever replica asks [MQTT-3.1.2-8].
    const w = await wills.take(this.clientId, this.init.epoch);
    if (w) await willPublisher.publish(this.clientId, w, 'connection');
    else willPublisher.forget(this.clientId);
  }
}
