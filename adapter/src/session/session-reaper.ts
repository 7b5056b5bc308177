import type { Logger } from 'pino';
import type { Config } from '../config/settings';
import type { Metrics } from '../observability/metrics';
import type { BrokerPort } from '../ports/broker';
import type { Credentials } from '../ports/credentials';
import type { ExpiredSession } from '../ports/session-store';
import { serviceLogin } from './service-login';
import { queueNameFor } from './subscriptions';

/** A login is kept this long past the deadline it was remembered for, then dropped as stale. */
const KEEP_PAST_DEADLINE_MS = 60_000;

/**
 * Deletes the queue of a session the store ended at its expiry while no
 * connection held it (the sweeper hands them over, each to one replica). The
 * queue goes under its client's own login when this replica still knows it
 * (the session was released here), else under the adapter's own login in the
 * session's vhost. A queue neither may delete is left to its x-expires, a
 * backstop past the longest session expiry. Only an unused queue is deleted:
 * one a new session of the client id consumes already is that session's.
 */
export class SessionReaper {
  private readonly logins = new Map<string, { readonly login: Credentials; readonly until: number }>();

  constructor(
    private readonly config: Config,
    private readonly broker: BrokerPort,
    private readonly metrics: Pick<Metrics, 'sessionsExpired' | 'sessionQueuesDeleted'>,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Keeps the login of a session released here for its expiry, to delete its queue with. */
  remember(clientId: string, login: Credentials, expirySeconds: number): void {
    this.logins.set(clientId, { login, until: this.now() + expirySeconds * 1000 + KEEP_PAST_DEADLINE_MS });
  }

  /** A connection claimed the session: it is no longer this replica's to end. */
  forget(clientId: string): void {
    this.logins.delete(clientId);
  }

  /** Drops the logins of sessions that ended, or moved to another replica, long ago. */
  prune(): void {
    const now = this.now();
    for (const [clientId, { until }] of this.logins) if (until < now) this.logins.delete(clientId);
  }

  /** Deletes the expired session's queue; never throws (a failure is logged, the backstop remains). */
  async reap(s: ExpiredSession): Promise<void> {
    this.metrics.sessionsExpired.inc();
    const login = this.logins.get(s.clientId)?.login ?? serviceLogin(this.config, s.vhost);
    this.logins.delete(s.clientId);
    const queue = queueNameFor(s.clientId);
    if (!login) {
      this.log.info({ clientId: s.clientId, queue }, 'session expired; no login to delete its queue with');
      return;
    }
    try {
      const link = await this.broker.login(login);
      let deleted: boolean;
      try {
        deleted = await link.deleteUnusedQueue(queue);
      } finally {
        await link.close();
      }
      if (deleted) this.metrics.sessionQueuesDeleted.inc();
      this.log.info(
        { clientId: s.clientId, queue },
        deleted ? 'session expired; its queue is deleted' : 'session expired; its queue is in use or missing',
      );
    } catch (err) {
      this.log.warn(
        { clientId: s.clientId, queue, err: (err as Error).message },
        'session expired; its queue could not be deleted and is left to its x-expires',
      );
    }
  }
}
