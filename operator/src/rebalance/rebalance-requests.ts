import type { V1PodList } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import type { Logger } from 'pino';
import type { MqttListener, MqttListenerStatusRebalance } from '../api/types.generated';
import { selectorString } from '../builders/labels';
import type { ListenerRef } from '../builders/owner';
import type { EventRecorder } from '../controller/events';
import { resourcePath } from '../kube/paths';
import type { RestClient } from '../kube/rest-client';
import { pendingToken, rebalanceRefusal } from './pending-token';
import { postRebalance, type PostResult } from './post-rebalance';
import { readyPods, type Target } from './ready-pods';

/** Pods asked in one reconcile before giving up until the retry; each within POST_TIMEOUT_MS. */
const MAX_PODS_ASKED = 3;
const POST_TIMEOUT_MS = 5_000;

export interface RebalanceOutcome {
  /** status.rebalance to write: the previous one, or the request just made. */
  readonly status?: MqttListenerStatusRebalance;
  /** A token is still pending and may be served later without any change to the listener. */
  readonly retry: boolean;
}

export interface RebalanceRequestDeps {
  readonly rest: RestClient;
  readonly events: EventRecorder;
  readonly log: Logger;
  readonly now: () => Date;
  readonly post?: (t: Target, timeoutMs: number) => Promise<PostResult>;
}

/**
 * Serves the `mqtt.adapter.dev/rebalance` annotation: a value the status does
 * not record yet is one `POST /rebalance` to one ready pod of the listener,
 * which writes the request to Redis, where every pod reads it (one request
 * reaches them all). The pod template is left alone: a token there would roll
 * every pod, handing off every client.
 */
export class RebalanceRequests {
  /** Per listener key: the request made, kept until status shows it (see pendingToken). */
  private readonly made = new Map<string, { uid: string; status: MqttListenerStatusRebalance }>();

  constructor(private readonly deps: RebalanceRequestDeps) {}

  async serve(l: MqttListener, ref: ListenerRef): Promise<RebalanceOutcome> {
    const key = `${ref.namespace}/${ref.name}`;
    const mine = this.made.get(key);
    const previous = mine?.uid === ref.uid ? mine.status : undefined;
    if (!previous || previous.lastToken === l.status?.rebalance?.lastToken) this.made.delete(key);
    const current = previous ?? l.status?.rebalance;
    const token = pendingToken(l, previous?.lastToken);
    if (token === undefined) return { status: current, retry: false };
    const refusal = rebalanceRefusal(l);
    if (refusal) {
      // A spec change is a listener event, which brings the token back here.
      await this.failed(ref, token, refusal);
      return { status: current, retry: false };
    }
    const made = await this.ask(l, ref, token);
    if (typeof made === 'string') {
      await this.failed(ref, token, made);
      return { status: current, retry: true };
    }
    this.made.set(key, { uid: ref.uid, status: made });
    await this.deps.events.record(
      ref,
      'Normal',
      'RebalanceRequested',
      `pod ${made.pod} took rebalance request ${made.request} (token ${token})`,
    );
    this.deps.log.info({ listener: key, ...made }, 'rebalance requested');
    return { status: made, retry: false };
  }

  /** Forgets a listener that is gone. */
  forget(namespace: string, name: string): void {
    this.made.delete(`${namespace}/${name}`);
  }

  /** Asks the listener's ready pods in turn until one takes the request: its record, or why none did. */
  private async ask(
    l: MqttListener,
    ref: ListenerRef,
    token: string,
  ): Promise<MqttListenerStatusRebalance | string> {
    let pods: V1PodList;
    try {
      pods = await this.deps.rest.get<V1PodList>(resourcePath('v1', 'pods', ref.namespace), {
        labelSelector: selectorString(ref.name),
      });
    } catch (err) {
      // An RBAC without pods (an older chart) must not hold up the children and the status.
      return `cannot list the pods: ${err instanceof Error ? err.message : String(err)}`;
    }
    const targets = readyPods(pods.items, l.spec.metrics.port).slice(0, MAX_PODS_ASKED);
    if (targets.length === 0) return `no ready pod to ask (${pods.items.length} pods)`;
    const post = this.deps.post ?? postRebalance;
    const failures: string[] = [];
    for (const t of targets) {
      const r = await post(t, POST_TIMEOUT_MS);
      if ('failed' in r) failures.push(`${t.pod}: ${r.failed}`);
      else
        return {
          lastToken: token,
          requestedAt: this.deps
            .now()
            .toISOString()
            .replace(/\.\d{3}Z$/, 'Z'),
          pod: t.pod,
          request: r.request,
        };
    }
    return failures.join('; ');
  }

  private async failed(ref: ListenerRef, token: string, reason: string): Promise<void> {
    await this.deps.events.record(ref, 'Warning', 'RebalanceFailed', `token ${token}: ${reason}`);
    this.deps.log.warn(
      { listener: `${ref.namespace}/${ref.name}`, token, reason },
      'rebalance not requested',
    );
  }
}
