import { once } from 'node:events';
import type * as amqp from 'amqplib';
import type { PooledConnection } from './pool';
import { ClientConsumers } from './client-consumers';
import { publishOptions, type Delivery, type QoS } from './message';
import { topicToRoutingKey } from '../mqtt/topic';
import { H } from './properties';
import { brokerError } from './errors';
import { sendAhead, type AheadMethod } from './send-ahead';
import type { FastPath } from './fast-path';
import type { ReadyQueues } from './ready-queues';
import type {
  BrokerLink,
  FastPathSubscriber,
  LinkEvents,
  LinkPublishExtras,
  OnFull,
  QueueSpec,
} from '../ports/broker';
import { BrokerError, failureOf } from '../ports/broker';

/** Where what the clients of one pooled connection share is kept (the Broker). */
export interface PerConnection {
  /** The QoS 0 fast path. */
  fastPath(conn: PooledConnection): FastPath;
  /** The queues declared ahead for clean sessions; undefined when MQTT_ADAPTER_READY_QUEUES is 0. */
  readyQueues(conn: PooledConnection): ReadyQueues | undefined;
}

export type { QueueSpec } from '../ports/broker';

const SEQ_HEADER = H.seq;
const WRITTEN = Promise.resolve(true);

/** An ops channel unused this long is closed. */
const OPS_IDLE_MS = 2000;
import type { AmqpMetrics } from './metrics';
import { ConfirmDeadline } from './confirm-deadline';
import { rpcWithin, settledWithin } from './rpc-deadline';
import { OpsBarrier } from './ops-barrier';
import { letChannelGo, watchChannel } from './let-go';

/**
 * One MQTT client's AMQP resources on its user's pooled connection: a confirm
 * channel for its QoS 1 and 2 publishes, a plain one for QoS 0 and a channel
 * for declare/bind operations, each opened on first use, and its consumers on
 * a channel shared with other clients (see ClientConsumers). They are
 * separate so that a refused bind (which closes its channel) never takes the
 * client's publishes or deliveries down, nor another client's.
 */
export class ClientLink implements BrokerLink {
  private pub: Promise<amqp.ConfirmChannel> | undefined;
  private pubChannel: amqp.ConfirmChannel | undefined;
  private pubDeadline: ConfirmDeadline | undefined;
  private fire: Promise<amqp.Channel> | undefined;
  private fireChannel: amqp.Channel | undefined;
  private fireError: Error | undefined;
  private lastTopic = '';
  private lastKey = '';
  private ops: Promise<amqp.Channel> | undefined;
  private readonly opsBarrier = new OpsBarrier();
  private consumers: ClientConsumers | undefined;
  private closed = false;
  private pubError: Error | undefined;
  private mandatorySeq = 0;
  private opsActive = 0;
  private opsIdle: NodeJS.Timeout | undefined;
  /** The ops channel's listeners of this link, taken off when it goes to another client. */
  private opsListeners: { readonly ch: amqp.Channel; readonly detach: () => void } | undefined;
  private returned: Set<number> | undefined;
  /** Told when the connection goes, the consumers' channel closes or moves, and when RabbitMQ refuses a publish. */
  events: LinkEvents | undefined;

  /** `connection` comes with this client's place reserved (ConnectionPool.acquire); close() gives it back. */
  constructor(
    readonly connection: PooledConnection,
    private readonly exchange: string,
    private readonly metrics: AmqpMetrics,
    /** Where the fast path and the ready queues of the pooled connection this link is on are kept. */
    private readonly perConnection: PerConnection,
    /** Longest wait for a confirm, or for any reply on an open channel; past it the channel counts as lost. */
    private readonly confirmTimeoutMs: number,
    private readonly opsIdleMs = OPS_IDLE_MS,
  ) {
    // The pooled connection tells its links of its loss itself: no listener, nor closure, per link.
    connection.links.add(this);
  }

  get lost(): boolean {
    return this.connection.isClosed;
  }

  /** The pooled connection is gone (PooledConnection tells each of its links). */
  connectionLost(): void {
    this.events?.linkLost();
  }

  private fastPath(): FastPath {
    return this.perConnection.fastPath(this.connection);
  }

  /**
   * Publishes to the exchange. Resolves once RabbitMQ has confirmed the message
   * (QoS >= 1) or once it is written (QoS 0); rejects when RabbitMQ refuses it.
   * With `mandatory`, resolves to false when no queue took the message (the
   * MQTT 5 "no matching subscribers" case). `onFull` fires when the channel's
   * buffer is full, so the caller stops reading.
   */
  publish(
    topic: string,
    payload: Buffer,
    qos: QoS,
    onFull: OnFull,
    extras?: LinkPublishExtras,
  ): Promise<boolean> {
    return qos === 0
      ? this.publishUnconfirmed(topic, payload, onFull, extras)
      : this.publishConfirmed(topic, payload, qos, onFull, extras);
  }

  /**
   * QoS 0 goes out on a channel without confirms: RabbitMQ then sends nothing
   * back per message, and amqplib keeps no callback per message. A refusal
   * closes that channel and is heard through onPublishError.
   */
  private publishUnconfirmed(
    topic: string,
    payload: Buffer,
    onFull: OnFull,
    extras?: LinkPublishExtras,
  ): Promise<boolean> {
    const ch = this.fireChannel;
    if (!ch)
      return this.openFireChannel().then(() => this.publishUnconfirmed(topic, payload, onFull, extras));
    try {
      const written = this.send(ch, topic, payload, 0, extras);
      this.holdBackIfFull(ch, written, onFull);
    } catch (err) {
      // amqplib throws when the channel closed under us; the server's reason came on 'error'.
      return Promise.reject(brokerError(this.fireError ?? err));
    }
    return WRITTEN;
  }

  private openFireChannel(): Promise<amqp.Channel> {
    if (this.closed) return Promise.reject(closedLink());
    this.fire ??= (this.connection.openChannel(false) as Promise<amqp.Channel>).then(
      (ch) => {
        this.fireError = undefined;
        ch.on('error', (err: Error) => {
          this.fireError = err;
          this.events?.publishRefused(brokerError(err));
        });
        ch.once('close', () => {
          this.fire = undefined;
          this.fireChannel = undefined;
        });
        this.fireChannel = ch;
        return ch;
      },
      (err: unknown) => {
        this.fire = undefined;
        throw err;
      },
    );
    return this.fire;
  }

  /** Stops the client's reading while the channel's buffer is full or RabbitMQ blocks the connection. */
  private holdBackIfFull(ch: amqp.Channel, written: boolean, onFull: OnFull): void {
    const direct = this.connection.publisher;
    if (!written) onFull(direct?.accepts(ch) ? direct.drained() : once(ch, 'drain').then(() => undefined));
    // Under a resource alarm RabbitMQ reads nothing from this connection: stop reading the client too.
    if (this.connection.blocked) onFull(this.connection.unblockedOrGone());
  }

  /**
   * Writes one publish: straight to the socket when the pooled connection
   * allows it, a plain one (no extras) with properties encoded once; through
   * amqplib's channel otherwise. `options`, when given, replace the ones the
   * QoS and extras make. Returns false when the buffer is full.
   */
  private send(
    ch: amqp.Channel,
    topic: string,
    payload: Buffer,
    qos: QoS,
    extras: LinkPublishExtras | undefined,
    options?: amqp.Options.Publish,
    confirmed?: (err: unknown) => void,
  ): boolean {
    const key = this.routingKey(topic);
    const direct = this.connection.publisher;
    if (!direct?.accepts(ch)) {
      const o = options ?? publishOptions(qos, extras);
      return confirmed
        ? (ch as amqp.ConfirmChannel).publish(this.exchange, key, payload, o, confirmed)
        : ch.publish(this.exchange, key, payload, o);
    }
    const what = options
      ? { options }
      : isPlain(extras)
        ? { plain: qos }
        : { options: publishOptions(qos, extras) };
    return direct.publish(ch, this.exchange, key, payload, what, confirmed);
  }

  /** Publishes of one client mostly repeat a topic, so its routing key is kept. */
  private routingKey(topic: string): string {
    if (topic !== this.lastTopic) {
      this.lastTopic = topic;
      this.lastKey = topicToRoutingKey(topic);
    }
    return this.lastKey;
  }

  /** On the open confirm channel at once; a first publish waits for it to open. */
  private publishConfirmed(
    topic: string,
    payload: Buffer,
    qos: QoS,
    onFull: OnFull,
    extras?: LinkPublishExtras,
  ): Promise<boolean> {
    const open = this.pubChannel;
    if (open && this.pubDeadline)
      return this.publishOn(open, this.pubDeadline, topic, payload, qos, onFull, extras);
    return this.publishChannel().then(
      ({ ch, deadline }) => this.publishOn(ch, deadline, topic, payload, qos, onFull, extras),
      (err: unknown) => Promise.reject(brokerError(err)),
    );
  }

  private publishOn(
    ch: amqp.ConfirmChannel,
    deadline: ConfirmDeadline,
    topic: string,
    payload: Buffer,
    qos: QoS,
    onFull: OnFull,
    extras?: LinkPublishExtras,
  ): Promise<boolean> {
    const started = process.hrtime.bigint();
    let written = false;
    let options: amqp.Options.Publish | undefined;
    let seq: number | undefined;
    if (extras?.mandatory) {
      // A returned message is matched to its publish by this header, since returns and confirms interleave.
      seq = ++this.mandatorySeq;
      options = publishOptions(qos, extras);
      options.mandatory = true;
      (options.headers as Record<string, unknown>)[SEQ_HEADER] = seq;
    }
    // One promise per message, settled in the confirm's callback: no second promise and turn to count it.
    const confirmed = new Promise<boolean>((resolve, reject) => {
      const wait = deadline.track(() =>
        reject(new BrokerError('gone', `publish not confirmed within ${this.confirmTimeoutMs} ms`)),
      );
      const cb = (err: unknown): void => {
        if (!deadline.settle(wait)) return;
        // amqplib reports a closed channel generically; the server's reason (a 403, say) came on 'error'.
        if (err) {
          reject(brokerError(this.pubError ?? (err instanceof Error ? err : 'publish not confirmed')));
          return;
        }
        this.metrics.confirmLatency.observe(Number(process.hrtime.bigint() - started) / 1e9);
        resolve(seq === undefined || !this.returned?.delete(seq));
      };
      try {
        written = this.send(ch, topic, payload, qos, extras, options, cb);
      } catch (err) {
        deadline.settle(wait);
        throw err;
      }
    });
    this.holdBackIfFull(ch, written, onFull);
    return confirmed;
  }

  private publishChannel(): Promise<{ ch: amqp.ConfirmChannel; deadline: ConfirmDeadline }> {
    if (this.closed) return Promise.reject(closedLink());
    if (!this.pub) {
      const p = this.connection.openChannel(true) as Promise<amqp.ConfirmChannel>;
      this.pub = p;
      p.then(
        (ch) => {
          this.pubError = undefined;
          this.pubChannel = ch;
          this.pubDeadline = new ConfirmDeadline(this.confirmTimeoutMs, () => this.dropPublishChannel(ch));
          // RabbitMQ sends basic.return before the confirm of the same message.
          ch.on('return', (msg: amqp.Message) => {
            const seq = ((msg.properties.headers ?? {}) as Record<string, unknown>)[SEQ_HEADER];
            if (typeof seq === 'number') (this.returned ??= new Set()).add(seq);
          });
          ch.on('error', (err: Error) => {
            this.pubError = err;
            this.events?.publishRefused(brokerError(err));
          });
          watchChannel(ch, () => this.forgetPublishChannel(ch));
        },
        () => (this.pub = undefined),
      );
    }
    const pub = this.pub;
    return pub.then((ch) => {
      // Opened by an earlier call and dropped since: the next publish opens a fresh channel.
      if (this.pubChannel !== ch || !this.pubDeadline) return this.publishChannel();
      return { ch, deadline: this.pubDeadline };
    });
  }

  /**
   * A channel whose confirms passed their deadline is lost to this link, as
   * one RabbitMQ closed would be: the next publish opens another. Its close
   * is asked for and not awaited (a node that sends no confirm may answer
   * nothing until the heartbeat ends the connection).
   */
  private dropPublishChannel(ch: amqp.ConfirmChannel): void {
    void letChannelGo(ch, () => this.forgetPublishChannel(ch));
  }

  private forgetPublishChannel(ch: amqp.ConfirmChannel): void {
    if (this.pubChannel !== ch) return;
    this.pub = undefined;
    this.pubChannel = undefined;
    this.pubDeadline = undefined;
  }

  /** Runs a declare/bind operation; a refusal closes only the ops channel, reopened next time. */
  withOps<T>(fn: (ch: amqp.Channel) => Promise<T>): Promise<T> {
    return this.runOps(fn, this.opsBarrier.pending);
  }

  /**
   * Runs `fn` on the ops channel once `after` settles; the deadline counts
   * from the call, the wait for `after` included.
   */
  private async runOps<T>(
    fn: (ch: amqp.Channel) => Promise<T>,
    after: Promise<void> | undefined,
  ): Promise<T> {
    // Still served after the close, for a late clean-up (the delete of a queue declared as the session
    // closed): the channel it opens is closed once idle, as any ops channel is.
    if (this.opsIdle) clearTimeout(this.opsIdle);
    this.opsIdle = undefined;
    if (!this.ops) {
      const p = this.connection.takeOpsChannel();
      this.ops = p;
      // Only while it is still this one: the idle close lets go of a channel before RabbitMQ confirms the
      // close, and a slow confirm would otherwise forget the next ops channel, which nothing would close.
      const reset = (): void => {
        if (this.ops === p) this.ops = undefined;
      };
      p.then((ch) => {
        this.opsListeners = { ch, detach: watchChannel(ch, reset) };
      }, reset);
    }
    this.opsActive++;
    const ops = this.ops;
    try {
      const ch = await ops;
      const work = after ? after.then(() => fn(ch)) : fn(ch);
      return await rpcWithin(work, this.confirmTimeoutMs, 'an operation on the ops channel', () =>
        this.dropOpsChannel(ops, ch),
      );
    } catch (err) {
      throw brokerError(err);
    } finally {
      if (--this.opsActive === 0) this.closeOpsWhenIdle();
    }
  }

  /**
   * An ops channel whose reply passed its deadline is lost to this link, as
   * one RabbitMQ closed would be: the next operation takes another. Its close
   * is asked for and not awaited; the reply that comes later arrives on a
   * channel already closing, which amqplib drops, and the channel's number
   * is not given to another before RabbitMQ confirms the close. The
   * operations that follow wait for that confirm (see OpsBarrier).
   */
  private dropOpsChannel(ops: Promise<amqp.Channel>, ch: amqp.Channel): void {
    const forget = (): void => {
      if (this.ops === ops) this.ops = undefined;
    };
    this.opsBarrier.add(letChannelGo(ch, forget));
  }

  /**
   * Declares and binds come in bursts (CONNECT, SUBSCRIBE); an idle client
   * keeps no ops channel, which RabbitMQ would hold at about 20 KiB each.
   */
  private closeOpsWhenIdle(): void {
    this.opsIdle = setTimeout(() => {
      this.opsIdle = undefined;
      const ops = this.ops;
      this.ops = undefined;
      void ops?.then((ch) => this.letOpsGo(ch)).catch(() => undefined);
    }, this.opsIdleMs);
    this.opsIdle.unref();
  }

  /**
   * An ops channel this link is done with, open and with nothing in flight,
   * goes to the connection for its next client when it keeps none, or closes.
   */
  private letOpsGo(ch: amqp.Channel): Promise<void> {
    const mine = this.opsListeners?.ch === ch ? this.opsListeners : undefined;
    if (mine && this.opsActive === 0 && this.connection.giveBackOpsChannel(ch)) {
      this.opsListeners = undefined;
      mine.detach();
      return Promise.resolve();
    }
    return ch.close();
  }

  async declareQueue(q: QueueSpec): Promise<void> {
    await this.withOps((ch) =>
      ch.assertQueue(q.name, { durable: q.durable, autoDelete: false, arguments: queueArguments(q) }),
    );
  }

  /**
   * Declares a queue that must start empty (replacing any queue of its name
   * first when `replace`), checks that the user may read it, and binds it to
   * each key; the declare, the check and all but the last bind go ahead of
   * that bind's RPC (sendAhead), so they cost one round trip. The check is a
   * queue.purge, which asks for the read permission a consume asks for and
   * finds nothing to purge in a queue declared just before: the consume that
   * follows can skip its probe (see probeConsume).
   */
  async openQueue(q: QueueSpec, bindingKeys: readonly string[], replace: boolean): Promise<void> {
    const queue = q.name;
    const ahead: AheadMethod[] = [
      ...(replace ? [{ kind: 'delete' as const, queue }] : []),
      { kind: 'declare', queue, durable: q.durable, arguments: queueArguments(q) },
      { kind: 'purge', queue },
      ...bindingKeys
        .slice(0, -1)
        .map((routingKey) => ({ kind: 'bind' as const, queue, exchange: this.exchange, routingKey })),
    ];
    const last = bindingKeys.at(-1);
    await this.withOps(async (ch) => {
      if (sendAhead(ch, ahead)) {
        // The one RPC: its reply comes after RabbitMQ has done everything sent ahead of it.
        if (last === undefined) await ch.checkQueue(queue);
        else await ch.bindQueue(queue, this.exchange, last);
        return;
      }
      if (replace) await ch.deleteQueue(queue);
      await ch.assertQueue(queue, { durable: q.durable, autoDelete: false, arguments: queueArguments(q) });
      await ch.purgeQueue(queue);
      for (const key of bindingKeys) await ch.bindQueue(queue, this.exchange, key);
    });
  }

  /**
   * Takes a queue declared ahead on the pooled connection (ReadyQueues) and
   * binds it to `bindingKey`: a clean session's queue for one round trip, the
   * bind's. Undefined when none is ready, or when RabbitMQ refused the bind
   * (the user's permissions may cover only client-id queue names): the queue
   * taken is then deleted, and the caller opens its own queue instead.
   */
  async openReadyQueue(bindingKey: string): Promise<string | undefined> {
    if (this.closed) return undefined;
    const ready = this.perConnection.readyQueues(this.connection);
    const queue = ready?.take();
    if (queue === undefined) return undefined;
    try {
      await this.bind(queue, bindingKey);
      this.metrics.readyQueuesTaken.inc();
      return queue;
    } catch (err) {
      await this.deleteQueue(queue).catch(() => undefined);
      if (failureOf(err) === 'access-refused') return undefined;
      throw err;
    } finally {
      ready?.replenishSoon();
    }
  }

  async bind(queue: string, bindingKey: string): Promise<void> {
    await this.withOps((ch) => ch.bindQueue(queue, this.exchange, bindingKey));
  }

  async unbind(queue: string, bindingKey: string): Promise<void> {
    await this.withOps((ch) => ch.unbindQueue(queue, this.exchange, bindingKey));
  }

  /**
   * Unbinds once RabbitMQ has done what it was sent before, a bind given up
   * at its deadline included; the operations that come after wait for it.
   * Nobody waits on it: the wait for what came before ends with the
   * connection at the latest, and the unbind has its deadline.
   */
  undoBind(queue: string, bindingKey: string): void {
    const before = this.opsBarrier.pending ?? Promise.resolve();
    this.opsBarrier.add(
      before.then(() => this.runOps((ch) => ch.unbindQueue(queue, this.exchange, bindingKey), undefined)),
    );
  }

  /**
   * Deletes a queue that may be left from an earlier session, without opening
   * a channel of this client's unless only an unused queue is to go.
   */
  async deleteStaleQueue(queue: string): Promise<void> {
    await this.connection.deleteQueueShared(queue).catch((err: unknown) => Promise.reject(brokerError(err)));
  }

  async deleteUnusedQueue(queue: string): Promise<boolean> {
    // Asked on this client's own channel, which a missing queue (404) closes, not on the shared one.
    // Not with queue.delete's if-unused, which quorum queues refuse: a consumer that comes between
    // the check and the delete is the one thing the check cannot see.
    return this.withOps(async (ch) => {
      const { consumerCount } = await ch.checkQueue(queue).catch(() => ({ consumerCount: -1 }));
      if (consumerCount !== 0) return false;
      await ch.deleteQueue(queue);
      return true;
    });
  }

  async deleteQueue(queue: string): Promise<void> {
    await this.withOps((ch) => ch.deleteQueue(queue));
  }

  /** Whether a queue exists; asked on a throwaway basis because a 404 closes the channel. */
  async queueExists(queue: string): Promise<boolean> {
    try {
      await this.withOps((ch) => ch.checkQueue(queue));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Starts consuming a queue (the client's own, or a shared group's) with at
   * most `prefetch` unacked deliveries, on a consumer channel shared with other
   * clients of the pooled connection.
   */
  consume(
    queue: string,
    prefetch: number,
    onDelivery: (d: Delivery, queue: string) => void,
    checked = false,
    tag?: string,
  ): Promise<void> {
    if (this.closed) return Promise.reject(closedLink());
    if (!this.consumers) {
      this.consumers = new ClientConsumers(
        this.connection.consumerChannels,
        (q) => this.probeConsume(q),
        this.confirmTimeoutMs,
      );
      this.consumers.onLost = (err) => this.events?.consumerLost(err);
      this.consumers.onMoved = () => this.events?.consumersMoved();
      this.consumers.onCancelled = (queue) => this.events?.consumerCancelled(queue);
    }
    return this.consumers
      .consume(queue, prefetch, onDelivery, checked, tag)
      .catch((err: unknown) => Promise.reject(brokerError(err)));
  }

  /**
   * Consumes `queue` for a moment on this client's ops channel (open anyway:
   * the declare or bind before a consume used it), so RabbitMQ checks the
   * consume where a refusal costs no one else. A consume is the only
   * non-destructive operation that needs read permission on a queue, so the
   * check is the consume itself. Only an empty queue is probed: a delivery the
   * probe held would go back with its redelivered flag set, and reach the
   * client marked DUP although it was never sent.
   */
  private async probeConsume(queue: string): Promise<void> {
    await this.withOps(async (ch) => {
      if ((await ch.checkQueue(queue)).messageCount > 0) return;
      await ch.prefetch(1, false);
      const held: amqp.Message[] = [];
      const ok = await ch.consume(queue, (msg) => msg && held.push(msg));
      await ch.cancel(ok.consumerTag);
      for (const msg of held) ch.nack(msg, false, true);
    });
  }

  /** The first bind of a binding key is made on this client's own ops channel, so RabbitMQ checks its user. */
  async addFast(filter: string, s: FastPathSubscriber): Promise<void> {
    try {
      await this.fastPath().add(filter, s, (queue, key) => this.bind(queue, key));
    } catch (err) {
      throw brokerError(err);
    }
  }

  removeFast(filter: string, s: FastPathSubscriber): Promise<void> {
    return this.fastPath().remove(filter, s);
  }

  /** Stops consuming a queue; its unacked deliveries stay ours until acked or the link closes. */
  async cancel(queue: string): Promise<void> {
    await this.consumers?.cancel(queue);
  }

  ack(deliveryTag: number): void {
    this.consumers?.ack(deliveryTag);
  }

  get consuming(): boolean {
    return this.consumers?.consuming ?? false;
  }

  /** Closes this client's channels; unacked deliveries go back to the queue for the next consumer. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.connection.links.delete(this);
    if (this.opsIdle) clearTimeout(this.opsIdle);
    await this.consumers?.close();
    const channels: Promise<amqp.Channel | undefined>[] = [
      (this.pub ?? Promise.resolve(undefined)).catch(() => undefined),
      (this.fire ?? Promise.resolve(undefined)).catch(() => undefined),
    ];
    const ops = (this.ops ?? Promise.resolve(undefined)).catch(() => undefined);
    // It may go to another client: a late clean-up after this close takes a channel of its own.
    this.ops = undefined;
    // Each close is a round trip of its own channel: waiting for them together, not in turn.
    const closed = Promise.all([
      ...channels.map(async (p) => {
        const ch = await p;
        if (ch) await ch.close().catch(() => undefined);
      }),
      ops.then((ch) => ch && this.letOpsGo(ch)).catch(() => undefined),
    ]);
    // The place on the connection is given back once its channels are closed; the caller waits at most the
    // deadline, as a connection RabbitMQ stopped reading answers no close until it reads again.
    const released = closed.then(() => this.connection.release());
    await settledWithin(released, this.confirmTimeoutMs);
  }
}

/**
 * What work that reaches a link after its close hears: a publish channel or a
 * consumer opened now would have no undo, the close having run.
 */
function closedLink(): BrokerError {
  return new BrokerError('gone', 'the client link is closed');
}

function queueArguments(q: QueueSpec): Record<string, unknown> {
  return { 'x-expires': q.expiresMs, ...(q.quorum ? { 'x-queue-type': 'quorum' } : {}) };
}

/** Whether a publish carries nothing beyond its QoS, so its AMQP properties are those of every such publish. */
function isPlain(e: LinkPublishExtras | undefined): boolean {
  return !e || (!e.retain && e.publisher === undefined && !e.props && !e.mark && !e.mandatory);
}
