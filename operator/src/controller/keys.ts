import type { KubernetesObject } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { KIND } from '../api/names';
import type { MqttListener } from '../api/types.generated';
import { referencedSecretNames } from '../builders/secret-mounts';

/** Work queue keys are `namespace/name` of an MqttListener. */
export const keyOf = (namespace: string, name: string): string => `${namespace}/${name}`;

export function splitKey(key: string): [namespace: string, name: string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}

/** The listener that controls a child object, if any. */
export function ownerKey(obj: KubernetesObject): string | undefined {
  const owner = obj.metadata?.ownerReferences?.find((o) => o.controller && o.kind === KIND);
  const ns = obj.metadata?.namespace;
  return owner && ns ? keyOf(ns, owner.name) : undefined;
}

/** The listeners that mount a Secret, so a rotation re-reconciles (and rolls) exactly them. */
export function listenersUsingSecret(secret: KubernetesObject, listeners: readonly MqttListener[]): string[] {
  const ns = secret.metadata?.namespace;
  const name = secret.metadata?.name;
  if (!ns || !name) return [];
  return listeners
    .filter((l) => l.metadata?.namespace === ns && referencedSecretNames(l.spec).includes(name))
    .map((l) => keyOf(ns, l.metadata?.name ?? ''));
}
