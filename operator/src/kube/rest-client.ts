import { request as httpsRequest, type RequestOptions } from 'node:https';
import { request as httpRequest } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { apiError, isNotFound, KubeApiError } from './api-error';
import type { TokenFile } from './token-file';

type Query = Readonly<Record<string, string>>;

/**
 * A small JSON client for the few verbs the operator uses. Objects stay plain
 * JSON: client-node's KubernetesObjectApi.patch passes them through its typed
 * models, which drop fields they do not know without a word, so a field
 * misspelled in a listener's sidecar would vanish instead of coming back as
 * the API server's refusal (shown by the e2e test object-api.test.ts).
 *
 * Credentials are taken from the KubeConfig for every request, never kept: a
 * projected service-account token is replaced hourly, and a 401 makes the
 * token file be read again and the request sent once more.
 */
export class RestClient {
  private constructor(
    private readonly server: URL,
    private readonly kc: KubeConfig,
    private readonly tokenFile: TokenFile | undefined,
  ) {}

  static fromKubeConfig(kc: KubeConfig, tokenFile?: TokenFile): RestClient {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    return new RestClient(new URL(cluster.server), kc, tokenFile);
  }

  get<T>(path: string, query: Query = {}): Promise<T> {
    return this.send<T>('GET', path, query);
  }

  async getOrNull<T>(path: string): Promise<T | null> {
    try {
      return await this.get<T>(path);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  /** Server-side apply: the field manager owns the fields in `obj`, and takes them over from others. */
  apply<T>(path: string, obj: unknown, fieldManager: string): Promise<T> {
    return this.send<T>('PATCH', path, { fieldManager, force: 'true' }, obj, 'application/apply-patch+yaml');
  }

  mergePatch<T>(path: string, patch: unknown): Promise<T> {
    return this.send<T>('PATCH', path, {}, patch, 'application/merge-patch+json');
  }

  create<T>(path: string, obj: unknown): Promise<T> {
    return this.send<T>('POST', path, {}, obj);
  }

  replace<T>(path: string, obj: unknown): Promise<T> {
    return this.send<T>('PUT', path, {}, obj);
  }

  async delete(path: string): Promise<void> {
    await this.send('DELETE', path, {}, { propagationPolicy: 'Background' });
  }

  private async send<T>(
    method: string,
    path: string,
    query: Query,
    body?: unknown,
    type = 'application/json',
  ): Promise<T> {
    const url = new URL(path, this.server);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    try {
      return await this.sendOnce<T>(method, url, payload, type);
    } catch (err) {
      // The token may have been replaced since it was read (or in the same instant): read it again, once.
      if (!(err instanceof KubeApiError && err.code === 401 && this.tokenFile)) throw err;
      this.tokenFile.invalidate();
      return this.sendOnce<T>(method, url, payload, type);
    }
  }

  private async sendOnce<T>(method: string, url: URL, payload: string | undefined, type: string): Promise<T> {
    const base: RequestOptions = {};
    await this.kc.applyToHTTPSOptions(base);
    const headers: Record<string, string> = {
      ...(base.headers as Record<string, string>),
      accept: 'application/json',
    };
    if (payload !== undefined) headers['content-type'] = type;
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const what = `${method} ${url.pathname}`;
    return new Promise<T>((resolve, reject) => {
      const req = request(url, { ...base, method, headers, timeout: 30_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const code = res.statusCode ?? 0;
          const json = (res.headers['content-type'] ?? '').includes('json');
          if (code < 200 || code >= 300) return reject(apiError(code, text));
          // Health endpoints answer plain text; everything else is JSON.
          if (!json) return resolve(text as T);
          try {
            resolve(JSON.parse(text) as T);
          } catch {
            // Thrown here it would escape the promise and end the process.
            reject(new Error(`${what}: answer ${code} is not JSON: ${text.slice(0, 200)}`));
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${what}: timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }
}
