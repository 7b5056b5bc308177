import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { V1Container, V1PodSpec, V1Secret } from '@kubernetes/client-node' with {
  'resolution-mode': 'import',
};
import { resourcePath } from '../../../operator/src/kube/paths';
import type { RestClient } from '../../../operator/src/kube/rest-client';

/**
 * Plays the kubelet for one pod template, without containers: writes each
 * mounted Secret item under `root` at its mount path, and resolves the
 * container's env (fieldRefs, and file paths moved under `root`).
 */
export async function materialize(
  rest: RestClient,
  namespace: string,
  pod: V1PodSpec,
  container: V1Container,
  root: string,
  podName: string,
): Promise<Record<string, string>> {
  const mounts = new Map((container.volumeMounts ?? []).map((m) => [m.name, m.mountPath]));
  for (const v of pod.volumes ?? []) {
    const mountPath = mounts.get(v.name);
    if (!v.secret?.secretName || !mountPath) continue;
    const s = await rest.get<V1Secret>(resourcePath('v1', 'secrets', namespace, v.secret.secretName));
    for (const item of v.secret.items ?? []) {
      const data = s.data?.[item.key];
      if (data === undefined) throw new Error(`Secret ${v.secret.secretName} has no key ${item.key}`);
      const file = join(root, mountPath, item.path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, Buffer.from(data, 'base64'));
    }
  }
  const mountRoots = [...mounts.values()];
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = podName;
    else if (e.valueFrom) throw new Error(`unsupported valueFrom in ${e.name}`);
    else {
      const value = e.value ?? '';
      env[e.name] = mountRoots.some((m) => value.startsWith(`${m}/`)) ? join(root, value) : value;
    }
  }
  return env;
}
