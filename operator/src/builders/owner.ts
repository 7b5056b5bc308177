import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node' with {
  'resolution-mode': 'import',
};
import { API_VERSION, KIND } from '../api/names';
import type { MqttListener } from '../api/types.generated';
import { commonLabels } from './labels';

export interface ListenerRef {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
}

/** Name, namespace and uid of a listener read from the API server, which always sets them. */
export function listenerRef(l: MqttListener): ListenerRef {
  const { name, namespace, uid } = l.metadata ?? {};
  if (!name || !namespace || !uid) throw new Error('MqttListener without name, namespace or uid');
  return { name, namespace, uid };
}

/** A controller reference, so deleting the listener garbage-collects the child. */
export function ownerReference(l: MqttListener): V1OwnerReference {
  const { name, uid } = listenerRef(l);
  return { apiVersion: API_VERSION, kind: KIND, name, uid, controller: true, blockOwnerDeletion: true };
}

export function childMeta(l: MqttListener, name = listenerRef(l).name): V1ObjectMeta {
  const ref = listenerRef(l);
  return {
    name,
    namespace: ref.namespace,
    labels: commonLabels(ref.name),
    ownerReferences: [ownerReference(l)],
  };
}
