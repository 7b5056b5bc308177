import type {
  Informer,
  KubeConfig,
  KubernetesListObject,
  KubernetesObject,
  ObjectCache,
} from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import type { Logger } from 'pino';
import { clientNode } from './client-node';
import type { RestClient } from './rest-client';

export type Cached<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

/** What an informer reports: an object changed, or was deleted. The controller only needs the key. */
export type Handler<T> = (obj: T) => void;

/**
 * List+watch of one resource across namespaces. client-node's informer stops
 * on a watch error; this one restarts itself after a pause, so a restarted API
 * server or a dropped connection never leaves the operator blind.
 */
export async function startInformer<T extends KubernetesObject>(
  kc: KubeConfig,
  rest: RestClient,
  path: string,
  log: Logger,
  onEvent: Handler<T>,
  labelSelector?: string,
): Promise<Cached<T>> {
  const k8s = await clientNode();
  const query: Record<string, string> = labelSelector ? { labelSelector } : {};
  const list = (): Promise<KubernetesListObject<T>> => rest.get<KubernetesListObject<T>>(path, query);
  const informer = k8s.makeInformer<T>(kc, path, list, labelSelector);
  for (const verb of [k8s.ADD, k8s.UPDATE, k8s.DELETE] as const) informer.on(verb, onEvent);
  let stopped = false;
  informer.on(k8s.ERROR, (err: unknown) => {
    if (stopped) return;
    log.warn({ path, err: String(err) }, 'watch failed; restarting');
    setTimeout(() => {
      if (!stopped)
        informer.start().catch((e: unknown) => log.warn({ path, err: String(e) }, 'restart failed'));
    }, 1000).unref();
  });
  const stop = informer.stop.bind(informer);
  informer.stop = () => {
    stopped = true;
    return stop();
  };
  await informer.start();
  return informer;
}
