import { randomBytes } from 'node:crypto';
import type { IConnectPacket } from 'mqtt-packet';
import type { Log } from '../log';
import { parseUsername } from '../auth/username';
import type { Credentials } from '../ports/credentials';
import { derivedPassword } from '../auth/cert-identity';
import { listenerVhost, type ListenerSide } from '../auth/vhost';
import { MqttError } from '../mqtt/errors';
import { Reason } from '../mqtt/reason-codes';
import { topicNameProblem } from '../mqtt/topic';
import { Session } from './session';
import type { ClientLimits, Outbound, SessionDeps } from './types';
import { willOf } from './will';
import { supersededWillFate } from './will-rules';
import type { Acquisitions } from './acquisitions';
import { checkKeepalive } from './keepalive-rule';

export interface ConnectContext {
  readonly connectionId: string;
  readonly log: Log;
  /** Username taken from a verified client certificate, when that login mode is on. */
  readonly certificateUser?: string;
  /** The port the client dialed. */
  readonly localPort?: number;
  /** Where each step records the undo of what it acquired. */
  readonly undo: Acquisitions;
  /** Told as the pipeline enters its next phase. */
  readonly enter: (phase: 'authenticating' | 'claiming' | 'resuming') => void;
}

export interface Connected {
  readonly session: Session;
  readonly sessionPresent: boolean;
  readonly clientId: string;
  readonly assignedClientId: boolean;
}

/** [MQTT-3.1.2-2] the protocol name must match the level. */
export function checkProtocol(p: IConnectPacket): void {
  const v = p.protocolVersion;
  const ok = (v === 3 && p.protocolId === 'MQIsdp') || ((v === 4 || v === 5) && p.protocolId === 'MQTT');
  if (!ok)
    throw new MqttError(Reason.UnsupportedProtocolVersion, `unsupported protocol ${p.protocolId} level ${v}`);
}

/** The client id to use, assigning one to an empty id with a clean session [MQTT-3.1.3-6] [MQTT-3.1.3-8]. */
export function resolveClientId(p: IConnectPacket): { clientId: string; assigned: boolean } {
  if (p.clientId.length > 0) return { clientId: p.clientId, assigned: false };
  if (!p.clean && p.protocolVersion !== 5) {
    throw new MqttError(
      Reason.ClientIdentifierNotValid,
      'empty client id needs a clean session [MQTT-3.1.3-8]',
    );
  }
  return { clientId: `mqtt-adapter-${randomBytes(12).toString('hex')}`, assigned: true };
}

/**
 * The RabbitMQ login of a client: its own credentials, or the default user,
 * in the vhost its username names or else the one its listener side picks.
 */
export function resolveCredentials(
  p: IConnectPacket,
  deps: Pick<SessionDeps, 'config'>,
  side: ListenerSide = {},
): Credentials {
  const { config } = deps;
  const { certificateUser } = side;
  const vhostHere = listenerVhost(config, side);
  const username = certificateUser ?? p.username;
  if (username === undefined || username === '') {
    if (!config.defaultUser || !config.defaultPassword) {
      throw new MqttError(
        Reason.NotAuthorized,
        'anonymous clients are refused: no default user is configured',
      );
    }
    return { vhost: vhostHere, user: config.defaultUser, password: config.defaultPassword };
  }
  const { vhost, user } = parseUsername(username, vhostHere);
  if (certificateUser !== undefined) {
    // The certificate is the credential; whatever username/password the client sent is not used.
    if (!config.certLoginSecret)
      throw new MqttError(Reason.NotAuthorized, 'certificate login is not configured');
    return { vhost, user, password: derivedPassword(config.certLoginSecret, vhost, user) };
  }
  if (p.password === undefined)
    throw new MqttError(Reason.BadUserNameOrPassword, 'username without a password');
  return { vhost, user, password: p.password.toString('utf8') };
}

/** The will of the connection this one replaces: cancelled by the resume, or published now. */
async function settlePreviousWill(
  deps: SessionDeps,
  clientId: string,
  epoch: number,
  cleanStart: boolean,
  credentials: Credentials,
): Promise<void> {
  const settle = async (): Promise<void> => {
    const prev = await deps.wills.supersede(clientId, epoch);
    if (!prev) return;
    if (supersededWillFate(prev, cleanStart) === 'drop') {
      deps.willPublisher.forget(clientId);
      return;
    }
    deps.willPublisher.remember(clientId, credentials);
    void deps.willPublisher.publish(clientId, prev.will, 'connection');
  };
  await settle().catch((err: unknown) => {
    // No reply is not no effect: the will may be taken already. The store hands it to a retry under the
    // same epoch, which settles it as this CONNECT would have; without one it would never be published.
    deps.backlog.later(`supersede:${clientId}:${epoch}`, settle);
    throw err;
  });
}

/**
 * [MQTT-3.1.2] a Receive Maximum or Maximum Packet Size of 0 is a Protocol
 * Error; taken as given, 0 would mean an unbounded AMQP prefetch or no packet at all.
 */
export function checkConnectProperties(p: IConnectPacket): void {
  const props = p.protocolVersion === 5 ? p.properties : undefined;
  if (props?.receiveMaximum === 0)
    throw new MqttError(Reason.ProtocolError, 'Receive Maximum 0 (3.1.2.11.3)');
  if (props?.maximumPacketSize === 0)
    throw new MqttError(Reason.ProtocolError, 'Maximum Packet Size 0 (3.1.2.11.4)');
}

/** The limits a v5 client announced, with the defaults a v3 client implies. */
export function clientLimits(p: IConnectPacket): ClientLimits {
  const props = p.protocolVersion === 5 ? p.properties : undefined;
  return {
    receiveMaximum: props?.receiveMaximum ?? 65535,
    maximumPacketSize: props?.maximumPacketSize ?? 268435460,
    topicAliasMaximum: props?.topicAliasMaximum ?? 0,
    requestProblemInformation: props?.requestProblemInformation ?? true,
  };
}

/**
 * Session lifetime: v3 keeps a session while clean session is 0; v5 keeps it
 * for its Session Expiry Interval, capped by the configured maximum.
 */
export function sessionLifetime(
  p: IConnectPacket,
  max: number,
): { persistent: boolean; expirySeconds: number } {
  if (p.protocolVersion !== 5) return { persistent: !p.clean, expirySeconds: p.clean ? 0 : max };
  const expirySeconds = Math.min(p.properties?.sessionExpiryInterval ?? 0, max);
  return { persistent: expirySeconds > 0, expirySeconds };
}

/**
 * The session's undo, made outside the pipeline: a closure made in it would
 * keep the whole pipeline's variables (the claim, the owner, the stored state)
 * for as long as the connection lives.
 */
/**
 * CONNECT as a pipeline of small steps: check the protocol, the client id,
 * the will and the authentication method, log in to RabbitMQ as the client's
 * user, claim the client id (closing a previous connection, cancelling a
 * pending will), then resume the stored session. Every step that acquires
 * something records its undo in `ctx.undo`; the session, once made, undoes
 * them all in its close. The session is ready when this resolves, so the
 * caller sends CONNACK once, after it.
 */
export async function connect(
  deps: SessionDeps,
  p: IConnectPacket,
  out: Outbound,
  ctx: ConnectContext,
): Promise<Connected> {
  checkProtocol(p);
  checkConnectProperties(p);
  checkKeepalive(p, deps.config);
  if (p.protocolVersion === 5 && p.properties?.authenticationMethod !== undefined) {
    throw new MqttError(
      Reason.BadAuthenticationMethod,
      `authentication method ${p.properties.authenticationMethod} is not supported`,
    );
  }
  const { clientId, assigned } = resolveClientId(p);
  const will = willOf(p);
  if (will && topicNameProblem(will.topic)) {
    throw new MqttError(Reason.TopicNameInvalid, `will topic is invalid [MQTT-3.1.2-14]`);
  }
  if (will && will.qos > deps.config.maxQos)
    throw new MqttError(Reason.QoSNotSupported, 'will QoS above the maximum');
  const credentials = resolveCredentials(p, deps, ctx);
  if (deps.registry.size >= deps.config.maxConnections) {
    throw new MqttError(
      p.protocolVersion === 5 ? Reason.QuotaExceeded : Reason.ServerUnavailable,
      `connection limit ${deps.config.maxConnections} reached`,
    );
  }
  const { undo } = ctx;
  ctx.enter('authenticating');
  const link = await deps.broker.login(credentials);
  undo.add('channel', () => link.close());

  ctx.enter('claiming');
  const { persistent, expirySeconds } = sessionLifetime(p, deps.config.sessionExpiryMax);
  const cleanStart = p.clean ?? true;
  const owner = { pod: deps.pod, connection: ctx.connectionId };
  const claim = await deps.sessions.claim(clientId, owner, cleanStart).catch((err: unknown) => {
    // No reply is not no effect: the claim may have run as Redis failed over. Left in place, it would
    // own the client id for good (an owner record has no expiry); undone once Redis answers.
    deps.backlog.later(`claim:${clientId}`, () => deps.sessions.abandon(clientId, owner));
    throw err;
  });
  // The session is this connection's now: no replica is to end it at its expiry.
  deps.reaper.forget(clientId);
  // Fenced by the epoch: a later owner's claim is never undone by this.
  undo.add('ownership', () =>
    persistent ? deps.sessions.release(clientId, claim.epoch) : deps.sessions.discard(clientId, claim.epoch),
  );
  await settlePreviousWill(deps, clientId, claim.epoch, cleanStart, credentials);
  if (will) {
    // Recorded before the write: one that gets no reply may have run, and a will left stored would be
    // published as its predecessor's by the next CONNECT of the client id. The removal is fenced by the epoch.
    undo.add('will', () => deps.wills.remove(clientId, claim.epoch));
    await deps.wills.put(clientId, claim.epoch, will);
  }
  const sessionPresent = !cleanStart && claim.session !== undefined;
  const protocolVersion = p.protocolVersion ?? 4;
  const session = new Session(
    deps,
    link,
    out,
    {
      clientId,
      connectionId: ctx.connectionId,
      protocolVersion,
      persistent,
      sessionPresent,
      expirySeconds,
      epoch: claim.epoch,
      will,
      credentials,
      limits: clientLimits(p),
      window: deps.config.inflightWindow,
    },
    ctx.log.child({ clientId }),
  );
  // The session's close undoes the channel, ownership and will, and its own listener and registry entry.
  undo.handOver(['channel', 'ownership', 'will'], 'session', session);
  await deps.registry.take(clientId, session);
  undo.check('registry');
  if (sessionPresent) deps.metrics.sessionsResumed.inc();
  if (persistent && !sessionPresent) {
    await deps.sessions.save(clientId, claim.epoch, { protocolVersion, expirySeconds, subscriptions: [] });
  }
  ctx.enter('resuming');
  await session.resume(
    sessionPresent && claim.session ? claim.session : { subscriptions: [] },
    sessionPresent ? claim.inboundQos2 : [],
  );
  undo.check('session');
  return { session, sessionPresent, clientId, assignedClientId: assigned };
}
