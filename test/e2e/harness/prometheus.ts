import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './net';
import { Proc, startedOrStopped } from './process';
import { eventually } from './wait';

/** An adapter's metrics endpoint, and the pod it stands for. */
export interface ScrapeTarget {
  readonly address: string;
  readonly namespace: string;
  readonly pod: string;
}

/**
 * A Prometheus config that scrapes each target every second and labels its
 * series `namespace` and `pod` from the same discovery labels, with the same
 * relabelling, as the Prometheus Operator generates for a ServiceMonitor's
 * endpoints (static targets stand in for Kubernetes discovery). JSON is YAML.
 */
export function scrapeConfig(targets: readonly ScrapeTarget[]): string {
  return JSON.stringify({
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    scrape_configs: [
      {
        job_name: 'mqtt-adapter',
        static_configs: targets.map((t) => ({
          targets: [t.address],
          labels: { __meta_kubernetes_namespace: t.namespace, __meta_kubernetes_pod_name: t.pod },
        })),
        relabel_configs: [
          { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
          { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
        ],
      },
    ],
  });
}

/** A Prometheus server on a free loopback port, its config and TSDB under `dir`. */
export class Prometheus {
  private constructor(
    readonly url: string,
    readonly proc: Proc,
  ) {}

  static async start(bin: string, dir: string, targets: readonly ScrapeTarget[]): Promise<Prometheus> {
    const config = join(dir, 'prometheus.yml');
    writeFileSync(config, scrapeConfig(targets));
    mkdirSync(join(dir, 'tsdb'));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const proc = Proc.start(
      'prometheus',
      bin,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      join(dir, 'prometheus.log'),
    );
    await startedOrStopped(proc, () =>
      eventually(
        '/-/ready',
        async () => (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(5000) })).ok,
        30_000,
      ),
    );
    return new Prometheus(url, proc);
  }
}
