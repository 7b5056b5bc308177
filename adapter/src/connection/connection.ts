import type { Duplex } from 'node:stream';
import type { IConnectPacket, Packet } from 'mqtt-packet';
import type { Log } from '../log';
import { ConnectionLog } from './connection-log';
import { Framer, type FrameProblem } from '../mqtt/framer';
import { connectProtocolLevel } from '../mqtt/connect-level';
import { decode } from '../mqtt/decoder';
import { encode } from '../mqtt/encoder';
import { utf8Problem, type Utf8Problem } from '../mqtt/utf8';
import { brokenPacketRule } from '../mqtt/packet-rules';
import { MqttError } from '../mqtt/errors';
import { Reason, connackCodeV3, disconnectCode, type ReasonCode } from '../mqtt/reason-codes';
import { connect, type Connected } from '../session/connect';
import { Acquisitions, type Acquired, type UndoFailures } from '../session/acquisitions';
import { Lifecycle, type Phase } from '../session/lifecycle';
import { DeadlineExceeded, within } from '../session/deadline';
import { StaleEpochError } from '../ports/session-store';
import { systemClock, type Clock, type Timer } from '../ports/clock';
import type { Session } from '../session/session';
import type { Outbound, SessionDeps } from '../session/types';
import { Keepalive } from './keepalive';
import { grantKeepalive } from '../session/keepalive-rule';
import { connackProperties } from './connack-properties';
import { unauthenticatedPacketLimit } from './packet-limit';

export interface ConnectionInfo {
  readonly id: string;
  readonly transport: 'tcp' | 'tls' | 'ws' | 'wss';
  /** The client's address: from the PROXY header when one named it, else the socket's peer. */
  readonly remote: string;
  /** The proxy's address, when a PROXY header named the client. */
  readonly proxy?: string;
  /** The port the client dialed, which may choose its vhost. */
  readonly localPort?: number;
  readonly certificateUser?: string;
  /** Lifts a transport's own message limit (WebSocket) to the connected one, at CONNACK with the framer's. */
  readonly raiseMessageLimit?: () => void;
}

/** Above this many unsent bytes a client counts as congested: QoS 0 is dropped and acks wait. */
const CONGESTED_BYTES = 256 * 1024;

/**
 * Each socket's connection, for the socket listeners, which are the same
 * three functions for every connection: three closures per connection
 * otherwise, and the constructor's scope they would keep.
 */
const bySocket = new WeakMap<Duplex, Connection>();

function onSocketData(this: Duplex, chunk: Buffer): void {
  bySocket.get(this)?.onData(chunk);
}

function onSocketError(this: Duplex, err: Error): void {
  bySocket.get(this)?.socketError(err);
}

function onSocketClose(this: Duplex): void {
  bySocket.get(this)?.socketClosed();
}

/**
 * One MQTT network connection: frames and parses bytes, enforces the CONNECT
 * timeout and keepalive, writes with cork, pauses reading for backpressure,
 * and hands packets to the session. Any stream will do (TCP, TLS, WebSocket).
 *
 * Its life is one Lifecycle (accepted -> authenticating -> claiming ->
 * resuming -> open -> closing -> closed); every step that acquires something
 * records the undo in `undo`, and closing from any phase runs exactly those.
 */
export class Connection implements Outbound, UndoFailures {
  private readonly lifecycle = new Lifecycle();
  private readonly undo: Acquisitions;
  private readonly framer: Framer;
  private readonly log: Log;
  private session: Session | undefined;
  private protocolVersion = 4;
  /** From CONNECT to CONNACK nothing more is framed: what follows waits, unread, for the connected limit. */
  private awaitingConnack = false;
  /** What the session sends while it resumes, written right after CONNACK [MQTT-3.2.0-1]. */
  private held: Buffer[] | undefined;
  private pauses = 0;
  private corked = false;
  /** Made at CONNACK, and only for a client that asked for a keepalive. */
  private keepalive: Keepalive | undefined;
  private connectTimer: Timer | undefined;
  private readonly clock: Clock;
  private clientMaxPacket = Number.MAX_SAFE_INTEGER;
  private draining = false;
  /** The session has settled after the socket closed; a promise of it is made only when someone waits. */
  private settled = false;
  private settledWaiter: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(
    private readonly socket: Duplex,
    private readonly info: ConnectionInfo,
    private readonly deps: SessionDeps,
    /** Told once the session has settled after the socket closed; one function for all connections. */
    private readonly onSettled?: (c: Connection) => void,
  ) {
    this.log = new ConnectionLog(deps.log, info);
    this.undo = new Acquisitions(this);
    this.framer = new Framer(unauthenticatedPacketLimit(deps.config));
    this.clock = deps.clock ?? systemClock;
    bySocket.set(socket, this);
    socket.on('data', onSocketData);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
    this.connectTimer = this.clock.after(deps.config.connectTimeoutMs, () => {
      this.deps.metrics.protocolErrors.inc({ kind: 'connect-timeout' });
      this.log.info({ ms: deps.config.connectTimeoutMs }, 'no CONNECT in time; closing');
      this.close('CONNECT timeout');
    });
    deps.metrics.connections.inc({ transport: info.transport });
  }

  /** An undo failed (Acquisitions): said in the log, and a claim or will tried again later. */
  undoFailed(what: Acquired, err: unknown, retry: () => unknown): void {
    this.log.warn({ what, err: (err as Error).message }, 'undo failed');
    // A claim or will in Redis left behind by a CONNECT that failed would never expire: redone later.
    if (what === 'ownership' || what === 'will')
      this.deps.backlog.later(`undo:${what}:${this.info.id}`, () => Promise.resolve(retry()));
  }

  get phase(): Phase {
    return this.lifecycle.phase;
  }

  get congested(): boolean {
    return this.socket.writableLength > CONGESTED_BYTES;
  }

  /** One wait per congestion episode, however many deliveries wait on it: two socket listeners, not two each. */
  private untilDrained: Promise<void> | undefined;

  drained(): Promise<void> {
    if (!this.congested) return Promise.resolve();
    this.untilDrained ??= new Promise<void>((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        this.untilDrained = undefined;
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
    return this.untilDrained;
  }

  pauseReading(until: Promise<unknown>): void {
    if (this.pauses++ === 0) this.socket.pause();
    const resume = (): void => {
      if (--this.pauses === 0 && !this.lifecycle.ended) this.socket.resume();
    };
    until.then(resume, resume);
  }

  send(packet: Packet): boolean {
    if (this.socket.destroyed || this.socket.writableEnded) return true;
    const buf = encode(packet, this.protocolVersion);
    // [MQTT-3.1.2-24] never send a v5 client more than its Maximum Packet Size.
    if (buf.length > this.clientMaxPacket) return false;
    this.deps.metrics.packetsOut.add(packet.cmd);
    this.deps.metrics.bytesOut.add('', buf.length);
    if (this.held && packet.cmd !== 'connack') this.held.push(buf);
    else this.write(buf);
    return true;
  }

  private write(buf: Buffer): void {
    // Packets produced in one tick leave in one write.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(buf);
  }

  /** Begins closing from whatever phase: the undo of everything acquired starts now. */
  close(why: string): void {
    if (this.lifecycle.ended) return;
    this.log.debug({ why, phase: this.lifecycle.phase }, 'closing connection');
    this.lifecycle.move('closing');
    this.held = undefined;
    // Timers are stopped here rather than recorded as undos, which would hold a closure each for the connection's life.
    this.stopConnectTimer();
    this.keepalive?.stop();
    void this.undo.release();
    this.socket.end();
    // A peer that does not read must not hold the socket open.
    this.clock.after(2000, () => this.socket.destroy(), { unref: true });
  }

  /** From the socket's 'error' listener. */
  socketError(err: Error): void {
    this.log.debug({ err: err.message }, 'socket error');
  }

  /** From the socket's 'close' listener. */
  socketClosed(): void {
    void this.onClosed();
  }

  /** From the socket's 'data' listener. */
  onData(chunk: Buffer): void {
    if (this.lifecycle.ended) return;
    this.deps.metrics.bytesIn.add('', chunk.length);
    this.framer.append(chunk);
    this.readFrames();
  }

  private readFrames(): void {
    try {
      this.read();
    } catch (err) {
      this.internalError(err);
    }
  }

  private read(): void {
    while (!this.awaitingConnack && !this.lifecycle.ended && !this.socket.writableEnded) {
      const f = this.framer.next();
      if (f === undefined) return;
      if (!Buffer.isBuffer(f)) {
        this.frameProblem(f);
        return;
      }
      const utf8 = utf8Problem(f, this.protocolVersion);
      if (utf8) {
        this.illFormed(f, utf8);
        return;
      }
      const decoded = decode(f, this.lifecycle.phase === 'accepted' ? 0 : this.protocolVersion);
      if ('error' in decoded) {
        this.parseError(decoded.error);
        return;
      }
      this.onPacket(decoded.packet);
    }
  }

  private frameProblem(problem: FrameProblem): void {
    if (problem.kind === 'malformed') this.protocolError('malformed', problem.why, Reason.MalformedPacket);
    else if (this.lifecycle.phase === 'accepted') this.tooLargeUnauthenticated(problem.size, problem.head);
    else
      this.protocolError(
        'too-large',
        `packet of ${problem.size} bytes exceeds the maximum`,
        Reason.PacketTooLarge,
      );
  }

  /**
   * A first packet over the allowance before authentication, refused from its
   * fixed header with its body unread: a v5 CONNECT hears CONNACK 0x95 and the
   * connection closes [MQTT-3.2.2-7]; a v3 one has no return code for it, so it is only closed.
   */
  private tooLargeUnauthenticated(size: number, head: Buffer): void {
    const level = connectProtocolLevel(head);
    const limit = unauthenticatedPacketLimit(this.deps.config);
    this.deps.metrics.protocolErrors.inc({ kind: 'too-large' });
    this.deps.metrics.connects.inc({ result: Reason.PacketTooLarge.toString(16) });
    this.log.warn(
      { size, limit, level },
      `packet of ${size} bytes refused before CONNACK: over MQTT_ADAPTER_MAX_PACKET_SIZE_UNAUTHENTICATED (${limit})`,
    );
    if (level === 5) {
      this.protocolVersion = 5;
      this.send({
        cmd: 'connack',
        reasonCode: Reason.PacketTooLarge,
        sessionPresent: false,
        properties: { reasonString: 'CONNECT too large' },
      });
    }
    this.close('CONNECT too large');
    // Nor is the rest read and thrown away: the peer's sending stalls on TCP flow control until the close.
    this.socket.pause();
  }

  /**
   * A string that is ill-formed UTF-8 or holds U+0000: a Malformed Packet
   * [MQTT-1.5.4-1] [MQTT-1.5.4-2]. A v5 CONNECT hears why in CONNACK, 0x85
   * for its client id and 0x81 otherwise (section 4.13.1); a v3 one has no
   * code for it, so it is only closed [MQTT-1.5.3-1].
   */
  private illFormed(frame: Buffer, problem: Utf8Problem): void {
    const why = `ill-formed UTF-8 or U+0000 in ${problem === 'client-id' ? 'the client id' : 'a string'} [MQTT-1.5.4-1]`;
    if (this.lifecycle.phase === 'accepted' && connectProtocolLevel(frame) === 5) {
      this.protocolVersion = 5;
      this.deps.metrics.protocolErrors.inc({ kind: 'malformed' });
      const reason = problem === 'client-id' ? Reason.ClientIdentifierNotValid : Reason.MalformedPacket;
      this.refuse(new MqttError(reason, why));
      return;
    }
    this.protocolError('malformed', why, Reason.MalformedPacket);
  }

  private parseError(err: Error): void {
    // mqtt-packet refuses an unknown protocol level while parsing, but the client is still owed CONNACK 0x01 [MQTT-3.1.2-2].
    if (this.lifecycle.phase === 'accepted' && err.message === 'Invalid protocol version')
      this.refuse(new MqttError(Reason.UnsupportedProtocolVersion, 'unsupported protocol level'));
    else this.protocolError('malformed', err.message, Reason.MalformedPacket);
  }

  private onPacket(p: Packet): void {
    if (this.socket.writableEnded) return;
    this.deps.metrics.packetsIn.add(p.cmd);
    this.keepalive?.touch();
    const broken = brokenPacketRule(p);
    if (broken) {
      this.protocolError('protocol', broken, Reason.ProtocolError);
      return;
    }
    const phase = this.lifecycle.phase;
    if (phase === 'accepted') {
      if (p.cmd !== 'connect') {
        this.protocolError(
          'not-connect',
          `first packet was ${p.cmd}, not CONNECT [MQTT-3.1.0-1]`,
          Reason.ProtocolError,
        );
        return;
      }
      void this.onConnect(p);
      return;
    }
    this.dispatch(p);
  }

  private dispatch(p: Packet): void {
    try {
      this.session?.handle(p);
    } catch (err) {
      if (err instanceof MqttError) this.protocolError(errorKind(err.reason), err.message, err.reason);
      else this.internalError(err);
    }
  }

  /** A bug, not the client's fault: this one connection closes, the process carries on. */
  private internalError(err: unknown): void {
    this.deps.metrics.internalErrors.inc({ where: 'connection' });
    this.log.error({ err: (err as Error).message, stack: (err as Error).stack }, 'unexpected error; closing');
    if (this.protocolVersion === 5 && this.lifecycle.phase === 'open')
      this.send({ cmd: 'disconnect', reasonCode: Reason.UnspecifiedError });
    this.close('unexpected error');
  }

  private stopConnectTimer(): void {
    this.connectTimer?.cancel();
    // A cleared timer still holds its callback and, through it, this connection's context.
    this.connectTimer = undefined;
  }

  private async onConnect(p: IConnectPacket): Promise<void> {
    this.stopConnectTimer();
    this.protocolVersion = p.protocolVersion ?? 4;
    // Set before the session resumes, since what it sends then is held for after CONNACK; a Maximum
    // Packet Size of 0 is refused by the pipeline, and its CONNACK must still get out.
    const maxPacket = this.protocolVersion === 5 ? p.properties?.maximumPacketSize : undefined;
    if (maxPacket) this.clientMaxPacket = maxPacket;
    this.held = [];
    // Packets pipelined behind CONNECT stay unframed until CONNACK, and the socket is not read meanwhile,
    // which keeps them bounded; after CONNACK they are framed at the connected limit.
    this.awaitingConnack = true;
    let connected!: () => void;
    this.pauseReading(new Promise<void>((resolve) => (connected = resolve)));
    const gate = this.deps.connecting;
    if (!gate.tryEnter()) {
      this.refuse(new MqttError(Reason.ServerUnavailable, `${gate.limit} CONNECTs already in progress`));
      connected();
      return;
    }
    try {
      const pipeline = connect(this.deps, p, this, {
        ...this.info,
        connectionId: this.info.id,
        log: this.log,
        undo: this.undo,
        enter: (phase) => {
          this.undo.check('session');
          this.lifecycle.move(phase);
        },
      });
      const leave = (): void => gate.leave();
      pipeline.then(leave, leave);
      const c = await within(pipeline, this.deps.config.connectDeadlineMs, 'CONNECT', this.clock);
      // Closed while the pipeline ran: the undo has the session and everything before it.
      if (this.lifecycle.ended) return;
      this.opened(c, p);
    } catch (err) {
      if (err instanceof DeadlineExceeded) this.deps.metrics.deadlinesExceeded.inc({ step: 'connect' });
      if (!this.lifecycle.ended) this.refuse(err);
    } finally {
      connected();
    }
  }

  /** CONNACK, once, now that the session is ready; then what the session and the client sent meanwhile. */
  private opened(c: Connected, p: IConnectPacket): void {
    this.session = c.session;
    this.log.info(
      { clientId: c.clientId, sessionPresent: c.sessionPresent, clean: p.clean },
      'client connected',
    );
    this.deps.metrics.connects.inc({ result: 'accepted' });
    const keepalive = grantKeepalive(p, this.deps.config);
    if (this.protocolVersion === 5) {
      this.send({
        cmd: 'connack',
        reasonCode: 0,
        sessionPresent: c.sessionPresent,
        properties: connackProperties(
          this.deps.config,
          c,
          p.properties?.sessionExpiryInterval,
          keepalive.announced,
        ),
      });
    } else {
      // MQTT 3.1 has no session-present flag: that byte is reserved there, so it stays 0.
      const sessionPresent = this.protocolVersion === 4 && c.sessionPresent;
      this.send({ cmd: 'connack', returnCode: 0, sessionPresent });
    }
    this.lifecycle.move('open');
    c.session.markOpen();
    const held = this.held ?? [];
    this.held = undefined;
    for (const buf of held) this.write(buf);
    if (keepalive.seconds > 0) {
      this.keepalive = new Keepalive(() => this.timedOut(), this.clock);
      this.keepalive.start(keepalive.seconds);
    }
    this.framer.maxPacketSize = this.deps.config.maxPacketSize;
    this.info.raiseMessageLimit?.();
    this.awaitingConnack = false;
    this.readFrames();
  }

  private refuse(err: unknown): void {
    if (err instanceof StaleEpochError) {
      // A newer CONNECT of the same client id got there first; this one never opened, and CONNACK has no
      // "taken over" code, so it is closed without one.
      this.deps.metrics.connects.inc({ result: 'superseded' });
      this.log.info({ err: err.message }, 'CONNECT superseded by a newer one');
      this.close('superseded');
      return;
    }
    const e =
      err instanceof MqttError ? err : new MqttError(Reason.ServerUnavailable, (err as Error).message);
    this.deps.metrics.connects.inc({ result: e.reason.toString(16) });
    this.log.info({ reason: e.reason, err: e.message }, 'CONNECT refused');
    this.held = undefined;
    // A v3 client gets no CONNACK for a malformed will topic: the spec has no code for it.
    if (!(this.protocolVersion !== 5 && e.reason === Reason.TopicNameInvalid)) {
      this.send(
        this.protocolVersion === 5
          ? {
              cmd: 'connack',
              reasonCode: e.reason,
              sessionPresent: false,
              properties: { reasonString: publicReason(e) },
            }
          : { cmd: 'connack', returnCode: connackCodeV3(e.reason), sessionPresent: false },
      );
    }
    this.close(e.message);
  }

  private protocolError(kind: string, message: string, reason: ReasonCode): void {
    if (this.lifecycle.ended || this.socket.writableEnded) return;
    this.deps.metrics.protocolErrors.inc({ kind });
    this.log.warn(
      { kind, err: message, ...(this.session ? { clientId: this.session.clientId } : {}) },
      'protocol error; closing connection',
    );
    if (this.protocolVersion === 5 && this.lifecycle.phase === 'open')
      // A reason string on DISCONNECT is allowed whatever Request Problem Information said [MQTT-3.1.2-29].
      this.send({
        cmd: 'disconnect',
        reasonCode: disconnectCode(reason),
        properties: { reasonString: message },
      });
    this.close(message);
  }

  private timedOut(): void {
    this.deps.metrics.protocolErrors.inc({ kind: 'keepalive' });
    this.log.info('keepalive expired; closing connection');
    if (this.protocolVersion === 5) this.send({ cmd: 'disconnect', reasonCode: Reason.KeepAliveTimeout });
    this.close('keepalive timeout');
    this.socket.destroy();
  }

  /**
   * Hands the client off, as a drain (server shutdown) or a rebalance does:
   * v5 clients hear why [MQTT-3.14.2-1], v3 ones are only closed; resolves
   * once the session has settled. A rebalance always says 0x9C (use another
   * server), with the Server Reference when one is configured; a drain says
   * 0x9C only with a reference, and 0x8B (server shutting down) without.
   */
  async shutdown(kind: 'drain' | 'rebalance' = 'drain'): Promise<void> {
    if (this.lifecycle.ended) return this.sessionSettled();
    this.draining = true;
    const open = this.lifecycle.phase === 'open';
    // The will is held back before the client can hear of the hand-off and reconnect elsewhere.
    if (open)
      await this.session?.holdWill().catch((err: unknown) => {
        this.log.warn({ err: (err as Error).message }, 'will could not be held back');
      });
    if (this.protocolVersion === 5 && open && !this.lifecycle.ended) {
      const ref = this.deps.config.serverReference;
      this.send(
        ref
          ? { cmd: 'disconnect', reasonCode: Reason.UseAnotherServer, properties: { serverReference: ref } }
          : kind === 'rebalance'
            ? { cmd: 'disconnect', reasonCode: Reason.UseAnotherServer }
            : { cmd: 'disconnect', reasonCode: Reason.ServerShuttingDown },
      );
    }
    // Started before close() runs the undo, so the session settles as drained (its will held for the grace).
    void this.session?.close('drain');
    this.close(kind === 'rebalance' ? 'rebalance' : 'server shutting down');
    return this.sessionSettled();
  }

  private sessionSettled(): Promise<void> {
    if (this.settled) return Promise.resolve();
    if (!this.settledWaiter) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.settledWaiter = { promise, resolve };
    }
    return this.settledWaiter.promise;
  }

  private async onClosed(): Promise<void> {
    if (this.lifecycle.phase === 'closed') return;
    const wasOpen = this.session !== undefined;
    this.close('socket closed');
    this.deps.metrics.connections.dec({ transport: this.info.transport });
    await this.undo.release();
    this.lifecycle.move('closed');
    if (wasOpen) this.log.info({ draining: this.draining }, 'client disconnected');
    this.settled = true;
    this.settledWaiter?.resolve();
    this.onSettled?.(this);
  }
}

/** The reason string a refused client sees: our own words, never an internal address or stack. */
function publicReason(e: MqttError): string {
  return e.reason === Reason.ServerUnavailable ? 'server unavailable' : e.message;
}

/** How `mqtt_adapter_protocol_errors_total` counts a client's error after CONNECT. */
function errorKind(reason: ReasonCode): string {
  return reason === Reason.ReceiveMaximumExceeded ? 'receive-maximum' : 'protocol';
}
