import { isDeepStrictEqual } from 'node:util';
import type { V1Deployment, V1PodSecurityContext, V1Secret } from '@kubernetes/client-node' with {
  'resolution-mode': 'import',
};
import type { Logger } from 'pino';
import { API_VERSION, PLURAL } from '../api/names';
import type { MqttListener, MqttListenerStatusCondition } from '../api/types.generated';
import { desiredChildren, DEPLOYMENT } from '../builders/children';
import { selectorString } from '../builders/labels';
import { listenerRef, type ListenerRef } from '../builders/owner';
import { referencedSecretNames } from '../builders/secret-mounts';
import { resourcePath } from '../kube/paths';
import { RebalanceRequests } from '../rebalance/rebalance-requests';
import type { RestClient } from '../kube/rest-client';
import { specProblems } from '../spec/spec-problems';
import { secretProblems } from '../secrets/check-secrets';
import { secretHash } from '../secrets/secret-hash';
import { listenerStatus } from '../status/listener-status';
import type { Observation } from '../status/observation';
import { applyChildren } from './apply-children';
import type { EventRecorder } from './events';

/** `retry`: done, but a rebalance asked for is still to be made (retried with backoff). */
export type ReconcileResult = 'done' | 'gone' | 'blocked' | 'retry';

/** How often a blocked listener (missing Secret) is looked at again, besides on Secret events. */
export const BLOCKED_RECHECK_MS = 30_000;

export interface ReconcilerDeps {
  readonly rest: RestClient;
  readonly events: EventRecorder;
  readonly log: Logger;
  readonly defaultImage: string;
  /** Default pod security context of the adapter pods (MQTT_ADAPTER_OPERATOR_ADAPTER_POD_SECURITY_CONTEXT). */
  readonly podSecurityContext?: V1PodSecurityContext;
  readonly now?: () => Date;
  /** The conditions just computed for a listener, or undefined once it is gone. */
  readonly onConditions?: (
    namespace: string,
    name: string,
    conditions: readonly MqttListenerStatusCondition[] | undefined,
  ) => void;
}

/**
 * Level-triggered: reads the listener and everything it references, brings the
 * children to the desired state and writes status. Safe to run any number of times.
 */
export class Reconciler {
  private readonly rebalance: RebalanceRequests;

  constructor(private readonly deps: ReconcilerDeps) {
    const now = (): Date => deps.now?.() ?? new Date();
    this.rebalance = new RebalanceRequests({ rest: deps.rest, events: deps.events, log: deps.log, now });
  }

  async reconcile(namespace: string, name: string): Promise<ReconcileResult> {
    const { rest } = this.deps;
    const l = await rest.getOrNull<MqttListener>(resourcePath(API_VERSION, PLURAL, namespace, name));
    // Deleted: owner references let the garbage collector remove the children.
    if (!l || l.metadata?.deletionTimestamp) {
      this.deps.onConditions?.(namespace, name, undefined);
      this.rebalance.forget(namespace, name);
      return 'gone';
    }
    const ref = listenerRef(l);
    const secrets = await this.readSecrets(l);
    const problems = [...specProblems(l.spec), ...secretProblems(l.spec, namespace, secrets)];
    let obs: Observation;
    if (problems.length > 0) {
      const message = problems.map((p) => p.message).join('; ');
      const reason = problems[0].reason;
      await this.deps.events.record(ref, 'Warning', reason, message);
      const deployment = await rest.getOrNull<V1Deployment>(
        resourcePath(DEPLOYMENT.apiVersion, DEPLOYMENT.plural, namespace, name),
      );
      obs = this.observe(l, deployment ?? undefined, { reason, message });
    } else {
      const inputs = {
        defaultImage: this.deps.defaultImage,
        secretHash: secretHash([...secrets.values()]),
        podSecurityContext: this.deps.podSecurityContext,
      };
      const applied = await applyChildren(rest, namespace, ref.uid, desiredChildren(l, inputs));
      const failure = applied.failures.length
        ? { reason: 'ApplyFailed', message: applied.failures.join('; ') }
        : undefined;
      if (failure) await this.deps.events.record(ref, 'Warning', failure.reason, failure.message);
      obs = this.observe(l, applied.deployment, failure);
    }
    // Independent of the children: pods that run can rebalance while the spec or a Secret is wrong.
    const rebalance = await this.rebalance.serve(l, ref);
    await this.writeStatus(l, ref, { ...obs, ...(rebalance.status && { rebalance: rebalance.status }) });
    if (obs.failure)
      this.deps.log.warn({ listener: `${namespace}/${name}`, ...obs.failure }, 'listener blocked');
    if (obs.failure) return 'blocked';
    return rebalance.retry ? 'retry' : 'done';
  }

  private observe(
    l: MqttListener,
    deployment: V1Deployment | undefined,
    failure?: Observation['failure'],
  ): Observation {
    return {
      generation: l.metadata?.generation ?? 0,
      desiredReplicas: l.spec.replicas,
      ...(deployment && { deployment }),
      ...(failure && { failure }),
    };
  }

  private async readSecrets(l: MqttListener): Promise<Map<string, V1Secret>> {
    const ns = listenerRef(l).namespace;
    const out = new Map<string, V1Secret>();
    for (const name of referencedSecretNames(l.spec)) {
      const s = await this.deps.rest.getOrNull<V1Secret>(resourcePath('v1', 'secrets', ns, name));
      if (s) out.set(name, s);
    }
    return out;
  }

  private async writeStatus(l: MqttListener, ref: ListenerRef, obs: Observation): Promise<void> {
    const now = this.deps.now?.() ?? new Date();
    const status = listenerStatus(obs, selectorString(ref.name), l.status?.conditions ?? [], now);
    this.deps.onConditions?.(ref.namespace, ref.name, status.conditions ?? []);
    // Writing an unchanged status would bump resourceVersion and wake every watcher for nothing.
    if (isDeepStrictEqual(status, l.status)) return;
    const path = `${resourcePath(API_VERSION, PLURAL, ref.namespace, ref.name)}/status`;
    await this.deps.rest.mergePatch(path, { status });
  }
}
