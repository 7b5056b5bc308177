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
import type { TokenFile } from './token-file';

export type Cached<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

/** What an informer reports: an object changed, or was deleted. The controller only needs the key. */
export type Handler<T> = (obj: T) => void;

/** What the informers share: where they connect, and what they report to. */
export interface InformerDeps {
  readonly kc: KubeConfig;
  readonly rest: RestClient;
  readonly log: Logger;
  /** Read again when a watch is refused with 401 (the REST client does so for its own requests). */
  readonly tokenFile?: TokenFile;
  /** A full list was made: at start, and after a watch came back 410 Gone. */
  readonly onList?: (resource: string) => void;
  /** A list or watch failed and will be retried. */
  readonly onError?: (resource: string) => void;
}

/** Which objects of the collection an informer lists and watches. */
export interface Selectors {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

/** How long a failed informer waits before it watches again. */
export const INFORMER_RETRY_MS = 1000;

/** The plural in a collection path, as metrics and logs name an informer. */
export const resourceOf = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

const statusOf = (err: unknown): number | undefined => {
  const e = err as { statusCode?: unknown; code?: unknown } | null;
  const c = e?.statusCode ?? e?.code;
  return typeof c === 'number' ? c : undefined;
};

/**
 * List+watch of one collection with client-node's own informer. It already
 * relists when a watch's resourceVersion is too old (410 Gone, as after etcd
 * compaction or an API server restart) and rewatches after its client-side
 * timeout. What it does not do, as of client-node 2.0.1, is survive any other
 * failure: a list or watch that fails (connection refused while the API server
 * restarts, a 401, a 5xx) makes it emit ERROR and stop for good. So this
 * restarts it after a pause, from its last resourceVersion (which resumes the
 * watch, or relists on 410). The e2e resilience test shows the library's
 * informer alone staying stopped after an API server restart.
 */
export async function startInformer<T extends KubernetesObject>(
  deps: InformerDeps,
  path: string,
  onEvent: Handler<T>,
  selectors: Selectors = {},
): Promise<Cached<T>> {
  const { kc, rest, log } = deps;
  const k8s = await clientNode();
  const resource = resourceOf(path);
  const { labelSelector, fieldSelector } = selectors;
  const query: Record<string, string> = {
    ...(labelSelector && { labelSelector }),
    ...(fieldSelector && { fieldSelector }),
  };
  const list = async (): Promise<KubernetesListObject<T>> => {
    const l = await rest.get<KubernetesListObject<T>>(path, query);
    deps.onList?.(resource);
    log.debug({ path, items: l.items.length }, 'listed');
    return l;
  };
  // makeInformer, with the field selector it does not pass on.
  const informer = new k8s.ListWatch<T>(path, new k8s.Watch(kc), list, false, labelSelector, fieldSelector);
  for (const verb of [k8s.ADD, k8s.UPDATE, k8s.DELETE] as const) informer.on(verb, onEvent);
  let stopped = false;
  informer.on(k8s.ERROR, (err: unknown) => {
    if (stopped) return;
    deps.onError?.(resource);
    if (statusOf(err) === 401) deps.tokenFile?.invalidate();
    log.warn({ path, err: String(err), code: statusOf(err) }, 'watch failed; restarting');
    setTimeout(() => {
      if (!stopped)
        informer.start().catch((e: unknown) => log.warn({ path, err: String(e) }, 'restart failed'));
    }, INFORMER_RETRY_MS).unref();
  });
  const stop = informer.stop.bind(informer);
  informer.stop = () => {
    stopped = true;
    return stop();
  };
  await informer.start();
  return informer;
}
