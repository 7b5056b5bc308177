import type { Packet } from 'mqtt-packet';
import type { Logger } from 'pino';
import type { ClientLink } from '../amqp/client-link';
import { MqttError } from '../mqtt/errors';
import { isAccessRefused } from '../amqp/errors';
import { Reason } from '../mqtt/reason-codes';
import { topicNameProblem } from '../mqtt/topic';
import { Deliverer } from './delivery';
import { InboundPublisher } from './publish-in';
import { Subscriptions } from './subscriptions';
import type { Displaceable } from './registry';
import type { Outbound, SessionDeps } from './types';
import type { Will } from './will';
import type { StoredSubscription } from '../ports/session-store';

export interface SessionInit {
  readonly clientId: string;
  readonly connectionId: string;
  readonly protocolVersion: number;
  readonly persistent: boolean;
  readonly sessionPresent: boolean;
  readonly expirySeconds: number;
  readonly epoch: number;
  readonly will: Will | undefined;
}

/**
 * The protocol state machine of one connected client. It is handed an
 * Outbound to send through and never sees the socket, so every transport
 * drives the same code.
 */
export class Session implements Displaceable {
  readonly clientId: string;
  readonly connectionId: string;
  private readonly deliverer: Deliverer;
  private readonly subs: Subscriptions;
  private readonly publisher: InboundPublisher;
  private will: Will | undefined;
  private closing: Promise<void> | undefined;
  private readonly log: Logger;

  constructor(
    private readonly deps: SessionDeps,
    private readonly link: ClientLink,
    private readonly out: Outbound,
    private readonly init: SessionInit,
  ) {
    this.clientId = init.clientId;
    this.connectionId = init.connectionId;
    this.will = init.will;
    this.log = deps.log;
    this.deliverer = new Deliverer(
      out,
      () => this.subs.map.values(),
      (tag) => link.ack(tag),
      deps.metrics,
    );
    this.subs = new Subscriptions(
      deps,
      link,
      init.clientId,
      init.persistent,
      init.sessionPresent,
      init.expirySeconds,
      this.deliverer,
      init.protocolVersion,
    );
    this.publisher = new InboundPublisher(deps, link, out, init.protocolVersion, (err) => this.fail(err));
    link.connection.once('lost', this.onAmqpLost);
    link.onPublishError = (err) => {
      // A v3 client has no way to hear of a refused QoS 0 publish but the closed connection, as with the plugin.
      if (init.protocolVersion !== 5 && isAccessRefused(err)) {
        this.fail(new MqttError(Reason.NotAuthorized, 'RabbitMQ refused a publish'));
      }
    };
  }

  private readonly onAmqpLost = (): void => {
    this.out.close('RabbitMQ connection lost');
  };

  /** Resumes a present session: its subscriptions, and the queue's messages, unacked ones with DUP. */
  async resume(subscriptions: readonly StoredSubscription[]): Promise<void> {
    await this.subs.restore(subscriptions);
  }

  /** Handles one packet after CONNECT. Throws MqttError for a protocol violation. */
  handle(p: Packet): void {
    switch (p.cmd) {
      case 'publish':
        this.publisher.handle(p);
        return;
      case 'puback':
        this.deliverer.acknowledged(p.messageId as number);
        return;
      case 'pubrel':
        this.publisher.released(p.messageId as number);
        return;
      case 'subscribe':
        this.serial(async () => {
          const granted = await this.subs.subscribe(p);
          this.out.send({ cmd: 'suback', messageId: p.messageId as number, granted });
          await this.persist();
          for (const [i, s] of p.subscriptions.entries()) {
            const g = granted[i];
            if (g <= 2) await this.sendRetained(s.topic, g as 0 | 1);
          }
        });
        return;
      case 'unsubscribe':
        this.serial(async () => {
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
        // [MQTT-3.14.4-3] a DISCONNECT discards the will.
        this.will = undefined;
        this.out.close('client sent DISCONNECT');
        return;
      case 'connect':
        throw new MqttError(Reason.ProtocolError, 'second CONNECT on one connection [MQTT-3.1.0-2]');
      default:
        throw new MqttError(Reason.ProtocolError, `unexpected ${p.cmd} from client`);
    }
  }

  private chain: Promise<void> = Promise.resolve();

  /** SUBSCRIBE and UNSUBSCRIBE run one at a time, in order, so their acks and bindings stay in order. */
  private serial(fn: () => Promise<void>): void {
    this.chain = this.chain.then(fn).catch((err: unknown) => this.fail(err));
  }

  private async sendRetained(filter: string, granted: 0 | 1): Promise<void> {
    for (const m of await this.deps.retained.match(filter)) {
      this.deliverer.retained(m.topic, m.payload, Math.min(m.qos, granted) as 0 | 1);
    }
  }

  private async persist(): Promise<void> {
    if (!this.init.persistent) return;
    await this.deps.sessions.save(this.clientId, this.init.epoch, {
      protocolVersion: this.init.protocolVersion,
      expirySeconds: this.init.expirySeconds,
      subscriptions: this.subs.stored(),
    });
  }

  private fail(err: unknown): void {
    const e = err instanceof MqttError ? err : new MqttError(Reason.UnspecifiedError, (err as Error).message);
    this.log.warn({ reason: e.reason, err: e.message }, 'closing connection');
    this.out.close(e.message);
  }

  /** Another connection took this client id [MQTT-3.1.4-2]. */
  async takeover(): Promise<void> {
    if (this.init.protocolVersion === 5)
      this.out.send({ cmd: 'disconnect', reasonCode: Reason.SessionTakenOver });
    this.out.close('session taken over');
    await this.close(false);
  }

  /**
   * Ends the session once: publishes the will unless the client sent
   * DISCONNECT, gives unacked deliveries back to the queue, and removes a
   * clean session's state.
   */
  close(graceful: boolean): Promise<void> {
    this.closing ??= this.doClose(graceful);
    return this.closing;
  }

  private async doClose(graceful: boolean): Promise<void> {
    this.link.connection.off('lost', this.onAmqpLost);
    if (graceful) this.will = undefined;
    await this.chain;
    await this.publisher.settledAll();
    if (this.will) await this.publishWill(this.will);
    await this.subs.teardown();
    await this.link.close();
    if (this.init.persistent)
      await this.deps.sessions.release(this.clientId, this.init.epoch).catch(() => undefined);
    else await this.deps.sessions.discard(this.clientId, this.init.epoch).catch(() => undefined);
    this.deps.registry.release(this.clientId, this);
  }

  private async publishWill(w: Will): Promise<void> {
    if (topicNameProblem(w.topic)) return;
    try {
      await this.link.publish(w.topic, w.payload, w.qos, () => undefined);
      if (w.retain) {
        if (w.payload.length === 0) await this.deps.retained.clear(w.topic);
        else await this.deps.retained.set({ topic: w.topic, payload: w.payload, qos: w.qos });
      }
      this.log.info({ topic: w.topic }, 'will published');
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'will could not be published');
    }
  }
}
