import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clientNode } from '../../../operator/src/kube/client-node';
import { RestClient } from '../../../operator/src/kube/rest-client';
import { freePort } from './net';
import { Proc, startedOrStopped } from './process';
import { eventually } from './wait';

export const CUSTOM_METRICS = '/apis/custom.metrics.k8s.io/v1beta1';

export interface PrometheusAdapterOptions {
  /** Its rules config, as written. */
  readonly rules: string;
  readonly prometheusUrl: string;
  /** For listing pods and for the delegated authentication and authorization of its callers. */
  readonly kubeconfig: string;
  /** The bearer token `rest` sends, one the API server's authentication knows. */
  readonly token: string;
}

/**
 * prometheus-adapter run as a process, outside any cluster, on a free loopback
 * port with a self-signed certificate under `dir`; `rest` calls it directly,
 * as the API server's aggregation layer would.
 */
export class PrometheusAdapter {
  private constructor(
    readonly rest: RestClient,
    readonly proc: Proc,
  ) {}

  static async start(bin: string, dir: string, o: PrometheusAdapterOptions): Promise<PrometheusAdapter> {
    const config = join(dir, 'prometheus-adapter.yaml');
    writeFileSync(config, o.rules);
    const certs = join(dir, 'prometheus-adapter-certs');
    mkdirSync(certs);
    const port = await freePort();
    const proc = Proc.start(
      'prometheus-adapter',
      bin,
      [
        `--config=${config}`,
        `--prometheus-url=${o.prometheusUrl}`,
        `--lister-kubeconfig=${o.kubeconfig}`,
        `--authentication-kubeconfig=${o.kubeconfig}`,
        `--authorization-kubeconfig=${o.kubeconfig}`,
        // The test's API server has no client CA or request-header config to publish: callers come with tokens.
        '--authentication-skip-lookup',
        '--bind-address=127.0.0.1',
        `--secure-port=${port}`,
        `--cert-dir=${certs}`,
        // Series appear after it starts: list them again every second, over a window longer than the test.
        '--metrics-relist-interval=1s',
        '--metrics-max-age=5m',
      ],
      join(dir, 'prometheus-adapter.log'),
    );
    const rest = await restFor(`https://127.0.0.1:${port}`, join(certs, 'apiserver.crt'), o.token);
    await startedOrStopped(proc, () =>
      eventually('the custom metrics API', () => rest.get(CUSTOM_METRICS), 60_000, 500),
    );
    return new PrometheusAdapter(rest, proc);
  }
}

/** A client of `server` that trusts the certificate it made for itself (the bundle holds its CA). */
async function restFor(server: string, caFile: string, token: string): Promise<RestClient> {
  const kc = new (await clientNode()).KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'prometheus-adapter', server, caFile }],
    users: [{ name: 'e2e', token }],
    contexts: [{ name: 'prometheus-adapter', cluster: 'prometheus-adapter', user: 'e2e' }],
    currentContext: 'prometheus-adapter',
  });
  return RestClient.fromKubeConfig(kc);
}
