import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../../operator/src/codegen/load-crd';

export interface Tools {
  readonly kubeApiserver: string;
  readonly kubeControllerManager: string;
  readonly etcd: string;
  readonly kubectl: string;
  readonly helm: string;
}

let tools: Promise<Tools> | undefined;

/**
 * Builds (first time, ~7 min on 2 cores) or relinks (cached, well under a
 * second) the control-plane binaries with scripts/k8s-tools.sh.
 */
export function ensureTools(): Promise<Tools> {
  tools ??= (async () => {
    const script = join(repoRoot(), 'scripts/k8s-tools.sh');
    const { stdout } = await promisify(execFile)('bash', [script], { maxBuffer: 64 * 1024 * 1024 });
    const dir = stdout.trim().split('\n').pop() ?? '';
    return {
      kubeApiserver: join(dir, 'kube-apiserver'),
      kubeControllerManager: join(dir, 'kube-controller-manager'),
      etcd: join(dir, 'etcd'),
      kubectl: join(dir, 'kubectl'),
      helm: join(dir, 'helm'),
    };
  })();
  return tools;
}
