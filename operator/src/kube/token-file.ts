import { readFileSync, statSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import type { KubeConfig, User } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };

/** client-node's Authenticator, which its index does not export. */
type Authenticator = Parameters<KubeConfig['addAuthenticator']>[0];

/**
 * A bearer token kept in a file that is rewritten under us: a projected
 * service-account token, which the kubelet replaces well before it expires
 * (bound tokens last an hour), or a kubeconfig's `tokenFile`. The file is
 * re-read whenever it changes (a cheap stat per request) and after a 401, so
 * no request goes out with a token that was already replaced.
 */
export class TokenFile {
  private token = '';
  private seen = '';

  constructor(readonly path: string) {}

  /** The token in the file now. */
  current(): string {
    const s = statSync(this.path);
    // The kubelet swaps a symlink to a new file, and an editor may rewrite in place: either changes one of these.
    const seen = `${s.ino}:${s.size}:${s.mtimeMs}`;
    if (seen !== this.seen || !this.token) {
      this.token = readFileSync(this.path, 'utf8').trim();
      this.seen = seen;
    }
    return this.token;
  }

  /** The server refused the token: read the file again on the next request, changed or not. */
  invalidate(): void {
    this.seen = '';
  }
}

/** The auth-provider name under which a KubeConfig user takes its token from a TokenFile. */
export const TOKEN_FILE_PROVIDER = 'mqtt-adapter-token-file';

/**
 * Lets client-node's own requests (watches) use the TokenFile too. Its
 * built-in file provider re-reads only once a minute and cannot be told that
 * the server refused its token.
 */
export class TokenFileAuthenticator implements Authenticator {
  constructor(private readonly file: TokenFile) {}

  isAuthProvider(user: User): boolean {
    return (user.authProvider as { name?: string } | undefined)?.name === TOKEN_FILE_PROVIDER;
  }

  applyAuthentication(_user: User, opts: Pick<RequestOptions, 'headers'>): Promise<void> {
    opts.headers = { ...opts.headers, Authorization: `Bearer ${this.file.current()}` };
    return Promise.resolve();
  }
}
