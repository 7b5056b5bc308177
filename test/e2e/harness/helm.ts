import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { repoRoot } from '../../../operator/src/codegen/load-crd';
import { run, type RunResult } from './kubectl';
import { ensureTools } from './tools';

export const CHART = join(repoRoot(), 'charts/mqtt-adapter');

/** A rendered object, with what the chart tests look at. */
export interface Doc {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
  spec?: unknown;
  [key: string]: unknown;
}

/** helm (built by scripts/k8s-tools.sh) with its cache, config and data in a temp dir of its own. */
export class Helm {
  private constructor(
    private readonly bin: string,
    private readonly home: string,
  ) {}

  static async create(): Promise<Helm> {
    return new Helm((await ensureTools()).helm, mkdtempSync(join(tmpdir(), 'mqtt-adapter-helm-')));
  }

  run(args: string[]): Promise<RunResult> {
    return run('env', [
      `HELM_CACHE_HOME=${this.home}/cache`,
      `HELM_CONFIG_HOME=${this.home}/config`,
      `HELM_DATA_HOME=${this.home}/data`,
      this.bin,
      ...args,
    ]);
  }

  /** `helm template` of the chart with `--set` values; fails the test on a non-zero exit. */
  async template(namespace: string, ...set: string[]): Promise<Doc[]> {
    const r = await this.run([
      'template',
      'mqtt-adapter',
      CHART,
      '-n',
      namespace,
      ...set.flatMap((s) => ['--set', s]),
    ]);
    if (r.code !== 0) throw new Error(`helm template ${set.join(' ')}: ${r.stderr}`);
    return (loadAll(r.stdout) as (Doc | null)[]).filter((d): d is Doc => d !== null);
  }

  dispose(): void {
    rmSync(this.home, { recursive: true, force: true });
  }
}
