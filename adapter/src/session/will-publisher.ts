import type { Logger } from 'pino';
import { failureOf, type BrokerPort } from '../ports/broker';
import type { Credentials } from '../ports/credentials';
import { MqttError } from '../mqtt/errors';
import { Reason } from '../mqtt/reason-codes';
import type { Config } from '../config/settings';
import type { Metrics } from '../observability/metrics';
import type { RetainedStore } from '../ports/retained-store';
import type { StoredWill } from '../ports/will-store';
import { doublingPause } from './backoff';
import { serviceLogin } from './service-login';

export type WillSource = 'connection' | 'delay' | 'sweep';

/**
 * A will RabbitMQ did not take (a queue's leader on a node that just died
 * nacks it; a channel closing loses the confirm) is tried again on a fresh
 * login, from 250 ms doubling, for this long: a quorum queue elects a new
 * leader within seconds. Nobody else would send it again. A will whose
 * confirm was lost may have been routed, so a retry can publish it twice;
 * losing it outright is the worse failure.
 */
const RETRY_WINDOW_MS = 20_000;
const FIRST_PAUSE_MS = 250;
const MAX_PAUSE_MS = 4000;

/** RabbitMQ lost it or could not be reached; a refusal (a login, permissions) is the same on every attempt. */
function worthRetrying(err: unknown): boolean {
  if (err instanceof MqttError) return err.reason === Reason.ServerUnavailable;
  const kind = failureOf(err);
  return kind === 'nacked' || kind === 'gone';
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

/**
 * A login is kept this long past the time its will is due, then dropped as
 * stale: a will settled on another replica (its client came back there, or
 * that replica's sweep claimed it) is never published nor cancelled here. The
 * margin covers a sweep that claims the will late, Redis being away.
 */
const KEEP_PAST_DUE_MS = 10 * 60_000;

/**
 * Publishes wills. A will goes out under its client's own RabbitMQ login
 * whenever this replica still knows it (the connection closed here, perhaps a
 * delay ago), so RabbitMQ checks that client's permissions. Only a will
 * inherited from a replica that died is published as the will user, because
 * no replica keeps client passwords outside its own memory.
 */
export class WillPublisher {
  private readonly logins = new Map<string, { readonly login: Credentials; readonly until: number }>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly config: Config,
    private readonly broker: BrokerPort,
    private readonly retained: RetainedStore,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly pause: (ms: number) => Promise<void> = sleep,
    private readonly now: () => number = Date.now,
  ) {}

  /** Keeps a client's login until its will, due in `dueInMs`, is published or cancelled. */
  remember(clientId: string, c: Credentials, dueInMs = 0): void {
    this.logins.set(clientId, { login: c, until: this.now() + dueInMs + KEEP_PAST_DUE_MS });
  }

  forget(clientId: string): void {
    this.logins.delete(clientId);
  }

  /** Drops the logins of wills due long ago that were settled elsewhere. */
  prune(): void {
    const now = this.now();
    for (const [clientId, { until }] of this.logins) if (until < now) this.logins.delete(clientId);
  }

  /** Publishes one will; never throws (a will that cannot go out is logged and counted). */
  publish(clientId: string, will: StoredWill, source: WillSource): Promise<void> {
    const login = this.logins.get(clientId)?.login ?? serviceLogin(this.config);
    this.logins.delete(clientId);
    const p = login
      ? this.send(clientId, will, login, source)
      : Promise.resolve(this.lost(clientId, 'no login to publish it with'));
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
    return p;
  }

  private async send(clientId: string, w: StoredWill, login: Credentials, source: WillSource): Promise<void> {
    try {
      await this.publishRetrying(clientId, w, login);
      // The store clears the topic for a zero-length payload [MQTT-3.3.1-10].
      if (w.retain) await this.retained.set({ topic: w.topic, payload: w.payload, qos: w.qos });
      this.metrics.willsPublished.inc({ source });
      this.log.info({ clientId, topic: w.topic, source }, 'will published');
    } catch (err) {
      this.lost(clientId, (err as Error).message);
    }
  }

  /** Publishes on a fresh login each attempt (the last one's connection may be the one that died). */
  private async publishRetrying(clientId: string, w: StoredWill, login: Credentials): Promise<void> {
    let waited = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.publishOnce(clientId, w, login);
        return;
      } catch (err) {
        const pauseMs = doublingPause(attempt, FIRST_PAUSE_MS, MAX_PAUSE_MS);
        if (!worthRetrying(err) || waited + pauseMs > RETRY_WINDOW_MS) throw err;
        this.metrics.willRetries.inc();
        this.log.info(
          { clientId, err: (err as Error).message, retryInMs: pauseMs },
          'will not taken; trying again',
        );
        await this.pause(pauseMs);
        waited += pauseMs;
      }
    }
  }

  private async publishOnce(clientId: string, w: StoredWill, login: Credentials): Promise<void> {
    const link = await this.broker.login(login);
    try {
      await link.publish(w.topic, w.payload, w.qos, () => undefined, {
        retain: w.retain,
        publisher: clientId,
        ...(w.props ? { props: w.props } : {}),
      });
    } finally {
      await link.close();
    }
  }

  private lost(clientId: string, why: string): void {
    this.metrics.willsFailed.inc();
    this.log.warn({ clientId, err: why }, 'will could not be published');
  }

  /** Resolves once every will being published has gone out or failed. */
  async settled(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }
}
