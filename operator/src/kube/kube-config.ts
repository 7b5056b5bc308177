import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import type { KubeConfig, User } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { load } from 'js-yaml';
import { clientNode } from './client-node';
import { TOKEN_FILE_PROVIDER, TokenFile, TokenFileAuthenticator } from './token-file';

export interface LoadedKubeConfig {
  readonly kc: KubeConfig;
  /** Set when the credentials are a token file, which the REST client re-reads after a 401. */
  readonly tokenFile?: TokenFile;
}

interface RawKubeConfig {
  users?: { name?: string; user?: { tokenFile?: unknown; 'token-file'?: unknown } }[];
}

/** The files client-node's loadFromDefault reads, in its order. */
function kubeconfigFiles(env: NodeJS.ProcessEnv): string[] {
  if (env.KUBECONFIG) return env.KUBECONFIG.split(delimiter).filter(Boolean);
  return [join(homedir(), '.kube', 'config')];
}

/**
 * The token file a kubeconfig user names. client-node reads `token-file` once
 * at load time and ignores `tokenFile` (client-go's spelling), so a rotated
 * token would never be seen; the operator reads both itself.
 */
export function kubeconfigTokenFile(userName: string, files: readonly string[]): string | undefined {
  for (const file of files) {
    let raw: RawKubeConfig;
    try {
      raw = load(readFileSync(file, 'utf8')) as RawKubeConfig;
    } catch {
      continue;
    }
    const u = raw?.users?.find((x) => x.name === userName)?.user;
    const path = u?.tokenFile ?? u?.['token-file'];
    // As kubectl does, a relative path is taken from the kubeconfig's own directory.
    if (typeof path === 'string' && path) return isAbsolute(path) ? path : join(dirname(file), path);
  }
  return undefined;
}

/** The token file behind a user as client-node loaded it: in a pod, the projected service-account token. */
function tokenFilePath(user: User, files: readonly string[]): string | undefined {
  const inCluster = (user.authProvider as { config?: { tokenFile?: unknown } } | undefined)?.config
    ?.tokenFile;
  if (typeof inCluster === 'string' && inCluster) return inCluster;
  return kubeconfigTokenFile(user.name, files);
}

/**
 * The kubeconfig in `file`, or else the one client-node finds (KUBECONFIG,
 * ~/.kube/config, or the pod's service account), with a token file, when there
 * is one, read on every request rather than once: bound service-account
 * tokens rotate hourly.
 */
export async function loadKubeConfig(file?: string): Promise<LoadedKubeConfig> {
  const k8s = await clientNode();
  const kc = new k8s.KubeConfig();
  if (file) kc.loadFromFile(file);
  else kc.loadFromDefault();
  const user = kc.getCurrentUser();
  const path = user && tokenFilePath(user, file ? [file] : kubeconfigFiles(process.env));
  if (!user || !path) return { kc };
  const tokenFile = new TokenFile(path);
  // Client certificates and the like stay; the token comes from the file alone.
  const withTokenFile = ({ token: _token, authProvider: _provider, ...rest }: User): User => ({
    ...rest,
    authProvider: { name: TOKEN_FILE_PROVIDER, config: {} },
  });
  kc.users = kc.users.map((u) => (u === user ? withTokenFile(u) : u));
  kc.addAuthenticator(new TokenFileAuthenticator(tokenFile));
  return { kc, tokenFile };
}
