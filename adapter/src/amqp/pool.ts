import { EventEmitter } from 'node:events';
import * as amqp from 'amqplib';
import type { Logger } from 'pino';
import { ConsumerChannels } from './consumer-channels';
import { corkFrameWrites } from './cork';
import { dropStaleFrames } from './stale-frames';
import { DirectPublisher } from './direct-publish';
import { DeliveryReader } from './delivery-reader';
import { loginFailure } from './errors';
import { credentialsProblem, loginUrl, poolKey, type Credentials } from './credentials';
import { NodeChooser } from './nodes';
import { MqttError } from '../mqtt/errors';
import { Reason } from '../mqtt/reason-codes';
import type { AmqpMetrics } from './metrics';
import { clientRoom, Room } from './pool-room';
import { openWithin } from './open-deadline';
import { letChannelGo, watchChannel } from './let-go';
import { rpcWithin } from './rpc-deadline';

const IDLE_CLOSE_MS = 30_000;
/**
 * How long after a client took the spare ops channel the next one is opened,
 * unless a leaving client gave its own back first (giveBackOpsChannel).
 */
const SPARE_DELAY_MS = 20;
/** Clients whose consumers share one channel; a channel RabbitMQ closes disconnects that many. */
const CLIENTS_PER_CONSUMER_CHANNEL = 100;

/**
 * One AMQP connection authenticated as one (vhost, user). Many MQTT clients of
 * that user share it, each on channels of its own, so connection count grows
 * with distinct users rather than with clients.
 */
export class PooledConnection extends EventEmitter {
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private closing = false;
  private admin: Promise<amqp.Channel> | undefined;
  /** A channel kept ready for the next client's declares and binds (takeOpsChannel). */
  private spare: Spare | undefined;
  private spareTimer: NodeJS.Timeout | undefined;
  readonly consumerChannels = new ConsumerChannels(
    () => this.openChannel(false),
    CLIENTS_PER_CONSUMER_CHANNEL,
  );
  blocked = false;
  /** The clients' links on this connection, told when it is lost. */
  readonly links = new Set<{ connectionLost(): void }>();
  /** Writes publishes straight to the socket; undefined when amqplib's internals differ, and amqplib does. */
  readonly publisher: DirectPublisher | undefined;

  constructor(
    readonly key: string,
    readonly credentials: Credentials,
    /** Index of the RabbitMQ node (in MQTT_ADAPTER_AMQP_URL) this connection went to. */
    readonly node: number,
    readonly model: amqp.ChannelModel,
    /** Clients this connection takes, from its negotiated channel_max. */
    readonly room: Room,
    private readonly metrics: AmqpMetrics,
    private readonly onGone: (c: PooledConnection) => void,
    /** Longest wait for RabbitMQ to answer the close of this connection. */
    private readonly closeTimeoutMs: number,
    /** Longest wait for RabbitMQ to open a channel on it. */
    private readonly openTimeoutMs: number,
    /** Longest wait for a reply on an open channel (the shared queue deletes). */
    private readonly rpcTimeoutMs: number,
  ) {
    super();
    this.publisher = DirectPublisher.of(model);
    // Many may wait on one connection for 'unblocked' or 'lost' (unblockedOrGone).
    this.setMaxListeners(0);
    // Closes unless a client takes it, also when every waiter of its connect went elsewhere.
    this.idleAfterLastClient();
    model.on('blocked', (reason: string) => {
      this.blocked = true;
      this.emit('blocked', reason);
    });
    model.on('unblocked', () => {
      this.blocked = false;
      this.emit('unblocked');
    });
    model.on('error', () => {
      // 'close' follows with the same error; handled there.
    });
    model.on('close', (err?: Error) => this.gone(err));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Resolves once RabbitMQ unblocks this connection, or once it is gone and will read nothing more. */
  unblockedOrGone(): Promise<void> {
    if (!this.blocked || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.off('unblocked', done);
        this.off('lost', done);
        resolve();
      };
      this.on('unblocked', done);
      this.on('lost', done);
    });
  }

  /** Takes a client's place, synchronously; false when the room is full or the connection is going. */
  reserve(): boolean {
    if (this.closed || this.closing || !this.room.tryReserve()) return false;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    return true;
  }

  /** Gives a client's place back (its link closed); the last one out starts the idle close. */
  release(): void {
    if (this.room.release()) this.idleAfterLastClient();
  }

  private idleAfterLastClient(): void {
    if (this.closed || this.idleTimer) return;
    this.idleTimer = setTimeout(() => void this.close(), IDLE_CLOSE_MS);
    this.idleTimer.unref();
  }

  /** Opens a channel, within `openTimeoutMs` (see openWithin). */
  openChannel(confirm: boolean): Promise<amqp.Channel | amqp.ConfirmChannel> {
    this.metrics.channels.inc();
    const opening: Promise<amqp.Channel | amqp.ConfirmChannel> = confirm
      ? this.model.createConfirmChannel()
      : this.model.createChannel();
    // Counted down once either way: at its close, also when it opened past the deadline, or at its failure.
    opening.then(
      (ch) => ch.once('close', () => this.metrics.channels.dec()),
      () => this.metrics.channels.dec(),
    );
    return openWithin(opening, this.openTimeoutMs);
  }

  /**
   * A channel for one client's declares and binds. Its first SUBSCRIBE would
   * otherwise wait for a channel.open before its first bind; the channel kept
   * ready is handed over instead. Only a connection whose clients declare or
   * bind keeps one.
   *
   * The next is kept from a leaving client's (giveBackOpsChannel), or opened
   * SPARE_DELAY_MS later. Not at once: RabbitMQ reads a connection's frames in
   * turn and starts a channel's processes before reading on, so a channel.open
   * written with the taker's first bind, or just ahead of its next, held that
   * bind up, and with a ready queue that bind is all a first SUBSCRIBE waits for.
   */
  takeOpsChannel(): Promise<amqp.Channel> {
    const ready = this.spare;
    this.spare = undefined;
    this.spareSoon();
    if (!ready) return this.openChannel(false);
    return ready.channel.then(({ ch, detach }) => {
      detach();
      return ch;
    });
  }

  /**
   * Keeps a client's ops channel, open and idle, as the next client's: true
   * when kept, false when the caller must close it (a spare is kept already,
   * or the connection is going). It saves RabbitMQ a channel's close and the
   * next one's open.
   */
  giveBackOpsChannel(ch: amqp.Channel): boolean {
    if (this.closed || this.closing || this.spare) return false;
    this.keepSpare(Promise.resolve(ch));
    return true;
  }

  private spareSoon(): void {
    if (this.spareTimer || this.closed || this.closing) return;
    this.spareTimer = setTimeout(() => {
      this.spareTimer = undefined;
      if (!this.spare && !this.closed && !this.closing) this.keepSpare(this.openChannel(false));
    }, SPARE_DELAY_MS);
    this.spareTimer.unref();
  }

  private keepSpare(channel: Promise<amqp.Channel>): void {
    // Until its taker listens for errors, an error only closes it.
    const spare: Spare = { channel: channel.then((ch) => ({ ch, detach: watchChannel(ch, forget) })) };
    const forget = (): void => {
      if (this.spare === spare) this.spare = undefined;
    };
    spare.channel.catch(forget);
    this.spare = spare;
  }

  /**
   * Deletes a queue on a channel shared by every client of this connection.
   * Only for idempotent, best-effort clean-up at CONNECT: giving every client a
   * channel for it would cost RabbitMQ a channel per idle connection. A refusal
   * closes the shared channel, which the next call reopens.
   */
  async deleteQueueShared(queue: string): Promise<void> {
    this.admin ??= this.openChannel(false).then((ch) => {
      ch.on('error', () => undefined);
      ch.once('close', () => (this.admin = undefined));
      return ch;
    });
    const admin = this.admin;
    admin.catch(() => (this.admin = undefined));
    const ch = await admin;
    const forget = (): void => {
      if (this.admin === admin) this.admin = undefined;
    };
    await rpcWithin(
      ch.deleteQueue(queue),
      this.rpcTimeoutMs,
      'queue.delete',
      () => void letChannelGo(ch, forget),
    );
  }

  /**
   * Closes the connection. RabbitMQ may never answer the close (a node that
   * stalled, a network that drops without a reset): past `closeTimeoutMs` the
   * socket is destroyed, which RabbitMQ takes as the end of the connection and
   * of its channels, and amqplib as a lost connection.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), this.closeTimeoutMs);
      timer.unref();
    });
    try {
      if ((await Promise.race([this.model.close().then(() => 'closed' as const), late])) === 'late')
        this.destroy();
    } catch {
      this.gone();
    } finally {
      clearTimeout(timer);
    }
  }

  private destroy(): void {
    const socket = (this.model.connection as { stream?: { destroy?: (err: Error) => void } }).stream;
    // With an error, as amqplib hears of a socket's end only through 'error' or 'end'.
    socket?.destroy?.(new Error(`RabbitMQ did not answer the close within ${this.closeTimeoutMs} ms`));
    this.gone();
  }

  private gone(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    clearTimeout(this.spareTimer);
    this.spareTimer = undefined;
    this.metrics.connections.dec();
    this.onGone(this);
    for (const link of [...this.links]) link.connectionLost();
    this.emit('lost', err);
  }
}

/** Where the pool connects and how its connections introduce themselves. */
export interface PoolOptions {
  /** RabbitMQ nodes: one address, or every node of a cluster. */
  readonly urls: readonly string[];
  /** Longest wait for one node's TCP connect and AMQP handshake before the next is tried. */
  readonly attemptTimeoutMs: number;
  /** Names every connection, so RabbitMQ's connection list shows whose it is. */
  readonly name: (c: Credentials) => string;
  /** The channel_max asked for at the handshake; RabbitMQ may tune it lower. */
  readonly channelMax: number;
  /** TLS material of amqps:// nodes. */
  readonly tls?: AmqpTls;
  /** Longest wait for RabbitMQ to answer a connection's close before its socket is destroyed. */
  readonly closeTimeoutMs: number;
  /** Longest wait for a reply on an open channel; past it the channel counts as lost. */
  readonly rpcTimeoutMs: number;
}

/** What the adapter's own amqps:// connections verify RabbitMQ with, and present to it. */
export interface AmqpTls {
  /** PEM CAs that verify RabbitMQ's certificate (MQTT_ADAPTER_AMQP_CA_FILE); undefined keeps the system's. */
  readonly ca?: Buffer;
  /** PEM client certificate and key, for a RabbitMQ that demands one (MQTT_ADAPTER_AMQP_TLS_CERT_FILE, _KEY_FILE). */
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

/** A connect in flight and the clients that wait for it; more than its room start another. */
interface Connecting {
  readonly connection: Promise<PooledConnection>;
  waiters: number;
}

export class ConnectionPool {
  private readonly byKey = new Map<string, PooledConnection[]>();
  private readonly connecting = new Map<string, Connecting>();
  private readonly nodes: NodeChooser;
  /** Clients a connection takes if RabbitMQ grants the channel_max asked for. */
  private readonly expectedRoom: number;
  private closed = false;

  constructor(
    private readonly options: PoolOptions,
    private readonly metrics: AmqpMetrics,
    private readonly log: Logger,
  ) {
    this.nodes = new NodeChooser(options.urls.length);
    this.expectedRoom = clientRoom(options.channelMax, CLIENTS_PER_CONSUMER_CHANNEL);
  }

  /**
   * A pooled connection for these credentials with this client's place on it
   * already reserved (the caller's link releases it); throws MqttError with the
   * CONNACK reason.
   */
  async acquire(c: Credentials): Promise<PooledConnection> {
    const problem = credentialsProblem(c);
    if (problem) throw problem;
    // After the drain closed the pool, a late login (a will tried again) must not open a connection nobody closes.
    if (this.closed) throw new MqttError(Reason.ServerUnavailable, 'shutting down');
    const key = poolKey(c);
    for (;;) {
      const existing = this.byKey.get(key)?.find((p) => p.reserve());
      if (existing) return existing;
      const pooled = await this.join(key, c);
      // Newer logins may have filled it first, or RabbitMQ tuned channel_max lower: then look again.
      if (pooled.reserve()) return pooled;
    }
  }

  /** Waits for a connect in flight that has room for one more, or starts one. */
  private join(key: string, c: Credentials): Promise<PooledConnection> {
    let inFlight = this.connecting.get(key);
    if (!inFlight || inFlight.waiters >= this.expectedRoom) {
      const connecting: Connecting = {
        connection: this.connect(key, c).finally(() => {
          if (this.connecting.get(key) === connecting) this.connecting.delete(key);
        }),
        waiters: 0,
      };
      this.connecting.set(key, connecting);
      inFlight = connecting;
    }
    inFlight.waiters++;
    return inFlight.connection;
  }

  /**
   * Tries the nodes in the chooser's order. A node that is down or too slow
   * only sends the attempt on to the next; a refused login is the same on
   * every node of a cluster, so it ends the search.
   */
  private async connect(key: string, c: Credentials): Promise<PooledConnection> {
    let failure: MqttError | undefined;
    for (const node of this.nodes.order()) {
      try {
        return this.adopt(key, c, node, await this.open(node, c));
      } catch (err) {
        failure = loginFailure(err);
        if (failure.reason !== Reason.ServerUnavailable || this.closed) break;
        this.nodes.refused(node);
        this.log.debug({ node: this.nodeAddress(node), err: failure.message }, 'RabbitMQ node refused');
      }
    }
    this.metrics.connectFailures.inc();
    throw failure ?? new MqttError(Reason.ServerUnavailable, 'no RabbitMQ node configured');
  }

  private open(node: number, c: Credentials): Promise<amqp.ChannelModel> {
    // Asking for the pool's channel_max makes RabbitMQ enforce the same bound the room is sized by.
    const url = new URL(loginUrl(this.options.urls[node], c));
    url.searchParams.set('channelMax', String(this.options.channelMax));
    return amqp.connect(url.toString(), {
      clientProperties: { connection_name: this.options.name(c) },
      // Without it Nagle holds a publish behind an earlier small frame (a delivery ack) for
      // RabbitMQ's delayed ACK: about 40 ms per QoS 1 publish while anyone consumes.
      noDelay: true,
      timeout: this.options.attemptTimeoutMs,
      // amqplib hands these options to tls.connect for amqps:// (and to net.connect, which ignores them).
      ...definedOnly(this.options.tls ?? {}),
    });
  }

  private adopt(key: string, c: Credentials, node: number, model: amqp.ChannelModel): PooledConnection {
    if (this.closed) {
      void model.close().catch(() => undefined);
      throw new Error('the connection pool was closed while this connection opened');
    }
    const tuned = tunedChannelMax(model, this.options.channelMax);
    const room = clientRoom(tuned, CLIENTS_PER_CONSUMER_CHANNEL);
    if (room === 0) {
      void model.close().catch(() => undefined);
      throw new Error(`RabbitMQ's channel_max ${tuned} leaves no room for a client`);
    }
    if (tuned < this.options.channelMax)
      this.log.info({ vhost: c.vhost, user: c.user, channelMax: tuned }, 'RabbitMQ tuned channel_max lower');
    if (!corkFrameWrites(model))
      this.log.warn('amqplib internals changed: AMQP frames are written one by one');
    if (!dropStaleFrames(model, () => this.metrics.staleFrames.inc()))
      this.log.warn('amqplib internals changed: a frame on a channel RabbitMQ closed ends the connection');
    // After dropStaleFrames: the reader tells a closing connection by its frame handler changing from this one.
    if (!DeliveryReader.install(model))
      this.log.warn('amqplib internals changed: amqplib decodes every delivery');
    this.metrics.connections.inc();
    this.nodes.opened(node);
    const pooled = new PooledConnection(
      key,
      c,
      node,
      model,
      new Room(room),
      this.metrics,
      (gone) => this.forget(gone),
      this.options.closeTimeoutMs,
      // A channel.open is answered as soon as a connection's handshake is: the same bound fits both.
      this.options.attemptTimeoutMs,
      this.options.rpcTimeoutMs,
    );
    if (!pooled.publisher)
      this.log.warn('amqplib internals changed: publishes go through its channel streams');
    pooled.on('lost', (err?: Error) => {
      if (err)
        this.log.warn(
          { vhost: c.vhost, user: c.user, node: this.nodeAddress(node), err: err.message },
          'AMQP connection lost',
        );
    });
    const list = this.byKey.get(key) ?? [];
    list.push(pooled);
    this.byKey.set(key, list);
    return pooled;
  }

  /** A node's host and port, for logs (its URL may carry credentials). */
  private nodeAddress(node: number): string {
    return new URL(this.options.urls[node]).host;
  }

  /** Pooled connections per node, in configuration order. */
  get spread(): readonly number[] {
    return this.nodes.spread;
  }

  private forget(c: PooledConnection): void {
    this.nodes.closed(c.node);
    const list = this.byKey.get(c.key)?.filter((p) => p !== c) ?? [];
    if (list.length === 0) this.byKey.delete(c.key);
    else this.byKey.set(c.key, list);
  }

  get size(): number {
    let n = 0;
    for (const l of this.byKey.values()) n += l.length;
    return n;
  }

  async closeAll(): Promise<void> {
    this.closed = true;
    const all = [...this.byKey.values()].flat();
    await Promise.all(all.map((c) => c.close()));
  }
}

/** The channel_max both sides settled on; amqplib keeps it on its connection, untyped. */
function tunedChannelMax(model: amqp.ChannelModel, asked: number): number {
  const tuned = (model.connection as { channelMax?: unknown }).channelMax;
  return typeof tuned === 'number' && tuned > 0 ? Math.min(tuned, asked) : asked;
}

/** Only the TLS options that are set, so an unset one is absent rather than undefined in amqplib's socket options. */
function definedOnly(t: AmqpTls): AmqpTls {
  return Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined));
}

/** The spare ops channel, and the undo of the listeners the connection put on it. */
interface Spare {
  readonly channel: Promise<{ readonly ch: amqp.Channel; readonly detach: () => void }>;
}
