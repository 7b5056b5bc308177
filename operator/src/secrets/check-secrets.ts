import type { V1Secret } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import type { MqttListenerSpec } from '../api/types.generated';
import { mountList, secretMounts, type SecretFile } from '../builders/secret-mounts';

export interface SecretProblem {
  readonly reason: 'SecretNotFound' | 'SecretKeyMissing';
  readonly message: string;
}

/**
 * What the schema cannot catch about referenced Secrets: a missing Secret, or
 * a key the pods would mount that is not in it (the pod would never start).
 */
export function secretProblems(
  spec: MqttListenerSpec,
  namespace: string,
  secrets: ReadonlyMap<string, V1Secret>,
): SecretProblem[] {
  const problems: SecretProblem[] = [];
  for (const m of mountList(secretMounts(spec))) {
    const s = secrets.get(m.secretName);
    if (!s) {
      problems.push({ reason: 'SecretNotFound', message: `Secret ${namespace}/${m.secretName} not found` });
      continue;
    }
    const keys = new Set([...Object.keys(s.data ?? {}), ...Object.keys(s.stringData ?? {})]);
    for (const f of Object.values<SecretFile | undefined>(m.files)) {
      if (f && !keys.has(f.key)) {
        problems.push({
          reason: 'SecretKeyMissing',
          message: `Secret ${namespace}/${m.secretName} has no key ${f.key}`,
        });
      }
    }
  }
  return problems;
}
