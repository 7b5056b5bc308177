import type { KubernetesObject } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import type { Logger } from 'pino';
import { API_VERSION, FIELD_MANAGER, PLURAL } from '../api/names';
import type { MqttListener } from '../api/types.generated';
import { DEPLOYMENT, HPA, PDB, SERVICE } from '../builders/children';
import { startInformer, type Cached, type InformerDeps } from '../kube/informer';
import { resourcePath } from '../kube/paths';
import type { OperatorMetrics } from '../metrics';
import { keyOf, listenersUsingSecret, ownerKey, splitKey } from './keys';
import { BLOCKED_RECHECK_MS, type Reconciler } from './reconciler';
import { SecretWatches } from './secret-watches';
import { WorkQueue } from './work-queue';

/** Children are only watched when they carry our managed-by label: the operator ignores everything else. */
const MANAGED = `app.kubernetes.io/managed-by=${FIELD_MANAGER}`;

export interface ControllerOptions {
  /** Namespaces to watch; empty for every namespace (which needs cluster-wide list and watch). */
  readonly namespaces: readonly string[];
  readonly workers?: number;
}

/**
 * Feeds the work queue from informers on listeners, their children and the
 * Secrets they reference, and runs the workers. Events only name a key; what
 * to do is decided by reading the current state (level-triggered).
 */
export class Controller {
  private readonly queue = new WorkQueue();
  private readonly informers: Cached<KubernetesObject>[] = [];
  private readonly listeners: Cached<MqttListener>[] = [];
  private readonly secrets: SecretWatches;
  private workers: Promise<void>[] = [];
  private readonly deps: InformerDeps;
  private readonly log: Logger;

  constructor(
    informers: Omit<InformerDeps, 'onList' | 'onError'>,
    private readonly reconciler: Reconciler,
    private readonly metrics: OperatorMetrics,
    private readonly options: ControllerOptions,
  ) {
    this.deps = {
      ...informers,
      onList: (resource) => metrics.informerLists.inc({ resource }),
      onError: (resource) => metrics.watchErrors.inc({ resource }),
    };
    this.log = informers.log;
    this.secrets = new SecretWatches(this.deps, (s) => {
      for (const key of listenersUsingSecret(s, this.allListeners())) this.enqueue(key);
    });
  }

  async start(): Promise<void> {
    // undefined: the cluster-wide collection.
    const scopes = this.options.namespaces.length ? this.options.namespaces : [undefined];
    for (const ns of scopes) {
      this.listeners.push(
        await startInformer<MqttListener>(this.deps, resourcePath(API_VERSION, PLURAL, ns), (l) => {
          this.enqueue(keyOf(l.metadata?.namespace ?? '', l.metadata?.name ?? ''));
          this.secrets.sync(this.allListeners());
        }),
      );
      for (const t of [DEPLOYMENT, SERVICE, PDB, HPA]) {
        const path = resourcePath(t.apiVersion, t.plural, ns);
        this.informers.push(
          await startInformer(this.deps, path, (o) => this.enqueue(ownerKey(o)), { labelSelector: MANAGED }),
        );
      }
    }
    this.secrets.sync(this.allListeners());
    this.workers = Array.from({ length: this.options.workers ?? 2 }, () => this.work());
    this.log.info(
      { namespaces: this.options.namespaces.length ? this.options.namespaces : 'all' },
      'controller started',
    );
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all([...this.listeners, ...this.informers].map((i) => i.stop()));
    await this.secrets.stop();
    await Promise.all(this.workers);
  }

  private allListeners(): MqttListener[] {
    return this.listeners.flatMap((i) => i.list());
  }

  private enqueue(key: string | undefined): void {
    if (key) this.queue.add(key);
    this.metrics.queueDepth.set(this.queue.length);
  }

  private async work(): Promise<void> {
    for (let key = await this.queue.get(); key !== undefined; key = await this.queue.get()) {
      await this.process(key);
      this.queue.done(key);
      this.metrics.queueDepth.set(this.queue.length);
    }
  }

  private async process(key: string): Promise<void> {
    const [namespace, name] = splitKey(key);
    const end = this.metrics.duration.startTimer();
    try {
      const result = await this.reconciler.reconcile(namespace, name);
      this.metrics.reconciles.inc({ result: result === 'blocked' ? 'blocked' : 'success' });
      // A rebalance not yet made waits on no event: nothing watches the pods it waits for.
      if (result === 'retry') this.queue.retry(key);
      else this.queue.forget(key);
      if (result === 'blocked') this.queue.addAfter(key, BLOCKED_RECHECK_MS);
    } catch (err) {
      this.metrics.reconciles.inc({ result: 'error' });
      this.metrics.errors.inc();
      const delay = this.queue.retry(key);
      this.log.warn(
        { key, err: err instanceof Error ? err.message : String(err), retryInMs: delay },
        'reconcile failed',
      );
    } finally {
      end();
    }
  }
}
