import { execFile } from 'node:child_process';

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion; a non-zero exit is a result, not an exception, so tests can assert on it. */
export function run(
  cmd: string,
  args: readonly string[],
  input?: string,
  env?: NodeJS.ProcessEnv,
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { maxBuffer: 16 * 1024 * 1024, env }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** kubectl at the API server's version (built by scripts/k8s-tools.sh), as the cluster admin. */
export const kubectl = (
  cp: { readonly kubeconfig: string; readonly tools: { readonly kubectl: string } },
  args: readonly string[],
  input?: string,
): Promise<RunResult> => run(cp.tools.kubectl, ['--kubeconfig', cp.kubeconfig, ...args], input);
