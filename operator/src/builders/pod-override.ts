import type { V1Container, V1PodSpec, V1SecurityContext } from '@kubernetes/client-node' with {
  'resolution-mode': 'import',
};
import type { MqttListenerSpec, MqttListenerSpecOverridePod } from '../api/types.generated';

/**
 * spec.override.pod, rendered over what the operator builds. The CRD refuses
 * what would collide with the operator's own (its labels, annotations, env
 * names, volume names, mount paths, the container name adapter), so these
 * merges only add; where an older CRD let a collision through, the operator's
 * value is the one kept, except for the few keys the override exists to change
 * (the container security context, and annotations other than the operator's).
 */
export const podOverride = (spec: MqttListenerSpec): MqttListenerSpecOverridePod => spec.override?.pod ?? {};

/** The restricted profile's container settings; spec.override.pod.containerSecurityContext changes them key by key. */
export const ADAPTER_CONTAINER_SECURITY: V1SecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

export function containerSecurityContext(spec: MqttListenerSpec): V1SecurityContext {
  return { ...ADAPTER_CONTAINER_SECURITY, ...podOverride(spec).containerSecurityContext };
}

export function podLabels(spec: MqttListenerSpec, own: Record<string, string>): Record<string, string> {
  return { ...podOverride(spec).labels, ...own };
}

/** The override's annotations go over the operator's scrape hints; `last` (the Secret hash) over everything. */
export function podAnnotations(
  spec: MqttListenerSpec,
  own: Record<string, string>,
  last: Record<string, string>,
): Record<string, string> {
  return { ...own, ...podOverride(spec).annotations, ...last };
}

/** Pod-level fields the override adds; the service-account token stays unmounted unless asked for. */
export function podSpecOverride(
  spec: MqttListenerSpec,
): Pick<
  V1PodSpec,
  | 'automountServiceAccountToken'
  | 'serviceAccountName'
  | 'imagePullSecrets'
  | 'priorityClassName'
  | 'initContainers'
> {
  const o = podOverride(spec);
  return {
    automountServiceAccountToken: o.automountServiceAccountToken ?? false,
    // The API server copies serviceAccountName into the deprecated serviceAccount, and back when only the
    // latter is left: applying both makes them the operator's, so dropping the override removes both.
    ...(o.serviceAccountName && {
      serviceAccountName: o.serviceAccountName,
      serviceAccount: o.serviceAccountName,
    }),
    ...(o.imagePullSecrets && { imagePullSecrets: o.imagePullSecrets }),
    ...(o.priorityClassName && { priorityClassName: o.priorityClassName }),
    ...(o.initContainers && { initContainers: o.initContainers }),
  };
}

export const sidecars = (spec: MqttListenerSpec): V1Container[] => podOverride(spec).sidecars ?? [];

/** Appends the override's entries to the operator's, dropping any whose key the operator already uses. */
export function appendByKey<T>(
  own: readonly T[],
  extra: readonly T[] | undefined,
  key: (x: T) => string,
): T[] {
  const taken = new Set(own.map(key));
  return [...own, ...(extra ?? []).filter((x) => !taken.has(key(x)))];
}
