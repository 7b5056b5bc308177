import type { Logger } from 'pino';
import { settledWithin } from '../../../adapter/src/amqp/rpc-deadline';
import { isConflict } from '../kube/api-error';
import { resourcePath } from '../kube/paths';
import type { RestClient } from '../kube/rest-client';
import { leaseAction, leaseSpec, type Lease } from './lease-decision';

export interface ElectionOptions {
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationSeconds: number;
  /** A leader that could not renew for this long stops leading, before others may take over. */
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
}

export interface LeaderCallbacks {
  onStartedLeading(): void;
  /** Called once when leadership is lost; the caller should stop reconciling at once. */
  onStoppedLeading(): void;
}

/**
 * Lease-based leader election (coordination.k8s.io/v1), as client-go does it:
 * writes carry the read resourceVersion, so two candidates can never both win.
 */
export class LeaderElector {
  private leading = false;
  private lastRenew = 0;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  /** The attempt under way; a tick past the renew deadline leaves it running rather than start another. */
  private attempt: Promise<boolean> | undefined;
  /** Ends a leader's wait for that attempt, which stop() does rather than keep its timer. */
  private endWait: (() => void) | undefined;

  constructor(
    private readonly rest: RestClient,
    private readonly opts: ElectionOptions,
    private readonly log: Logger,
    private readonly callbacks: LeaderCallbacks,
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  private get path(): string {
    return resourcePath('coordination.k8s.io/v1', 'leases', this.opts.namespace, this.opts.name);
  }

  start(): void {
    const tick = async (): Promise<void> => {
      const ok = await this.attemptWithinRenewDeadline();
      if (this.stopped) return;
      const now = Date.now();
      if (ok) this.lastRenew = now;
      if (ok && !this.leading) {
        this.leading = true;
        this.log.info({ lease: this.opts.name, identity: this.opts.identity }, 'became leader');
        this.callbacks.onStartedLeading();
      } else if (!ok && this.leading && now - this.lastRenew > this.opts.renewDeadlineMs) {
        this.leading = false;
        this.log.warn({ lease: this.opts.name }, 'lost leadership');
        this.callbacks.onStoppedLeading();
      }
      this.timer = setTimeout(() => void tick(), this.opts.retryPeriodMs);
    };
    void tick();
  }

  /**
   * Stops campaigning and, when leading, frees the Lease so another replica
   * takes over at once. The release is worth a try but gets `withinMs`: an API
   * server that does not answer holds each of its two requests for the REST
   * client's 30 s, past the pod's grace period. Given up, the Lease expires
   * and the standby takes it then.
   */
  async stop(withinMs: number): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.endWait?.();
    if (!this.leading) return;
    this.leading = false;
    let late = false;
    const release = async (): Promise<void> => {
      const lease = await this.rest.get<Lease>(this.path);
      // A read answered after the give-up: the shutdown has moved on, so write nothing.
      if (late || lease.spec?.holderIdentity !== this.opts.identity) return;
      await this.rest.replace(this.path, {
        ...lease,
        spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 },
      });
    };
    const work = release().catch((err: unknown) => {
      if (!late) this.log.warn({ err: String(err) }, 'could not release the lease');
    });
    if (await settledWithin(work, withinMs)) return;
    late = true;
    this.log.warn({ lease: this.opts.name, withinMs }, 'lease not released in time; it will expire');
  }

  /**
   * An attempt, which a leader counts as failed once its renew deadline
   * passes. A request the API server does not answer lasts until the REST
   * client's 30 s idle timeout, and a renewal makes two: waited for, it kept
   * the leader reconciling past its Lease's expiry, beside a standby that
   * took the Lease over meanwhile.
   */
  private attemptWithinRenewDeadline(): Promise<boolean> {
    const attempt = (this.attempt ??= this.tryAcquireOrRenew().finally(() => (this.attempt = undefined)));
    if (!this.leading) return attempt;
    const left = Math.max(0, this.lastRenew + this.opts.renewDeadlineMs - Date.now());
    return new Promise((resolve) => {
      const end = (ok: boolean): void => {
        clearTimeout(timer);
        this.endWait = undefined;
        resolve(ok);
      };
      const timer = setTimeout(() => end(false), left + 1);
      this.endWait = () => end(false);
      void attempt.then(end);
    });
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { identity, leaseDurationSeconds, namespace, name } = this.opts;
    try {
      const lease = await this.rest.getOrNull<Lease>(this.path);
      const now = new Date();
      const action = leaseAction(lease, identity, now);
      if (action === 'wait') return false;
      const spec = leaseSpec(action, lease?.spec, identity, leaseDurationSeconds, now);
      if (action === 'create' || !lease) {
        const body: Lease = {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec,
        };
        await this.rest.create(resourcePath('coordination.k8s.io/v1', 'leases', namespace), body);
      } else {
        await this.rest.replace(this.path, { ...lease, spec });
      }
      return true;
    } catch (err) {
      if (!isConflict(err)) this.log.warn({ err: String(err) }, 'lease update failed');
      return false;
    }
  }
}
