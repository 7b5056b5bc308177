import type { KubernetesObject } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import type { MqttListener } from '../api/types.generated';
import { referencedSecretNames } from '../builders/secret-mounts';
import { startInformer, type Cached, type Handler, type InformerDeps } from '../kube/informer';
import { resourcePath } from '../kube/paths';
import { keyOf } from './keys';

/** `namespace/name` of every Secret the listeners reference. */
export function referencedSecrets(listeners: readonly MqttListener[]): Set<string> {
  const out = new Set<string>();
  for (const l of listeners) {
    const ns = l.metadata?.namespace;
    if (ns) for (const name of referencedSecretNames(l.spec)) out.add(keyOf(ns, name));
  }
  return out;
}

/** What to start and what to stop to go from the Secrets watched to those wanted. */
export function secretWatchChanges(
  watched: ReadonlySet<string>,
  wanted: ReadonlySet<string>,
): { start: string[]; stop: string[] } {
  return {
    start: [...wanted].filter((k) => !watched.has(k)),
    stop: [...watched].filter((k) => !wanted.has(k)),
  };
}

/**
 * One watch per Secret a listener references (a `metadata.name` field
 * selector in its namespace), started and stopped as listeners come and go.
 * The operator holds those Secrets and no other, so thousands of unrelated
 * Secrets in the cluster cost it neither memory nor events; the price is a
 * watch connection per referenced Secret.
 */
export class SecretWatches {
  private readonly watches = new Map<string, Promise<Cached<KubernetesObject> | undefined>>();

  constructor(
    private readonly deps: InformerDeps,
    private readonly onEvent: Handler<KubernetesObject>,
  ) {}

  get size(): number {
    return this.watches.size;
  }

  /** Watches exactly the Secrets these listeners reference. */
  sync(listeners: readonly MqttListener[]): void {
    const { start, stop } = secretWatchChanges(new Set(this.watches.keys()), referencedSecrets(listeners));
    for (const key of stop) this.stopOne(key);
    for (const key of start) {
      const i = key.indexOf('/');
      const path = resourcePath('v1', 'secrets', key.slice(0, i));
      const fieldSelector = `metadata.name=${key.slice(i + 1)}`;
      this.watches.set(
        key,
        startInformer(this.deps, path, this.onEvent, { fieldSelector }).catch((err: unknown) => {
          // startInformer retries failed lists and watches itself; this is only client-node failing to load.
          this.deps.log.error({ secret: key, err: String(err) }, 'cannot watch Secret');
          return undefined;
        }),
      );
    }
  }

  async stop(): Promise<void> {
    const all = [...this.watches.values()];
    this.watches.clear();
    await Promise.all(all.map(async (w) => (await w)?.stop()));
  }

  private stopOne(key: string): void {
    const w = this.watches.get(key);
    this.watches.delete(key);
    void w?.then((i) => i?.stop());
  }
}
