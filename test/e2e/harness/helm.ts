import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
  private files = 0;

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
  template(namespace: string, ...set: string[]): Promise<Doc[]> {
    return this.render(
      namespace,
      set.flatMap((s) => ['--set', s]),
    );
  }

  /** `helm template` of the chart with any further arguments (--values, --set-json). */
  async render(namespace: string, args: string[]): Promise<Doc[]> {
    const r = await this.run(['template', 'mqtt-adapter', CHART, '-n', namespace, ...args]);
    if (r.code !== 0) throw new Error(`helm template ${args.join(' ')}: ${r.stderr}`);
    return (loadAll(r.stdout) as (Doc | null)[]).filter((d): d is Doc => d !== null);
  }

  /** A values file with this text, for `--values`. */
  valuesFile(text: string): string {
    const file = join(this.home, `values-${++this.files}.yaml`);
    writeFileSync(file, text);
    return file;
  }

  dispose(): void {
    rmSync(this.home, { recursive: true, force: true });
  }
}
