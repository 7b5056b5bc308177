import { join } from 'node:path';
import { repoRoot } from '../../../operator/src/codegen/load-crd';
import type { ControlPlane } from './control-plane';
import { Proc } from './process';
import { eventually } from './wait';

export interface OperatorOptions {
  readonly user?: string;
  /** A kubeconfig file of its own, in place of the static-token one of `user`. */
  readonly kubeconfig?: string;
  /** Another build's build/operator/src/main.js, for a before/after. */
  readonly main?: string;
  /** Further MQTT_ADAPTER_OPERATOR_* settings. */
  readonly env?: Readonly<Record<string, string>>;
  readonly identity: string;
  readonly leaseNamespace: string;
  readonly leaseName?: string;
  readonly leaseDurationSeconds?: number;
}

/** The compiled operator (build/operator/src/main.js) as its own process, with short lease timings. */
export class OperatorProcess {
  private constructor(
    readonly proc: Proc,
    readonly port: number,
    readonly identity: string,
  ) {}

  static async start(cp: ControlPlane, o: OperatorOptions): Promise<OperatorProcess> {
    const main = o.main ?? join(repoRoot(), 'build/operator/src/main.js');
    const env = {
      ...process.env,
      KUBECONFIG: o.kubeconfig ?? cp.kubeconfigFor(o.user ?? 'admin'),
      MQTT_ADAPTER_OPERATOR_HTTP_PORT: '0',
      MQTT_ADAPTER_OPERATOR_NAMESPACE: o.leaseNamespace,
      MQTT_ADAPTER_OPERATOR_IDENTITY: o.identity,
      MQTT_ADAPTER_OPERATOR_LEASE_NAME: o.leaseName ?? 'mqtt-adapter-operator',
      MQTT_ADAPTER_OPERATOR_LEASE_DURATION_SECONDS: String(o.leaseDurationSeconds ?? 4),
      MQTT_ADAPTER_OPERATOR_RENEW_DEADLINE_MS: String(((o.leaseDurationSeconds ?? 4) - 1) * 1000),
      MQTT_ADAPTER_OPERATOR_RETRY_PERIOD_MS: '500',
      MQTT_ADAPTER_OPERATOR_ADAPTER_IMAGE: 'mqtt-adapter:e2e',
      MQTT_ADAPTER_OPERATOR_LOG_LEVEL: 'debug',
      ...o.env,
    };
    const proc = Proc.start(
      `operator ${o.identity}`,
      process.execPath,
      [main],
      join(cp.dir, `operator-${o.identity}.log`),
      env,
    );
    const port = await eventually(`operator ${o.identity} to listen`, () => {
      if (!proc.running) throw new Error(`operator exited:\n${proc.log().slice(-2000)}`);
      const m = /"port":(\d+).*"msg":"operator started"/.exec(proc.log());
      return m ? Number(m[1]) : undefined;
    });
    return new OperatorProcess(proc, port, o.identity);
  }

  async get(path: string): Promise<{ status: number; body: string }> {
    const res = await fetch(`http://127.0.0.1:${this.port}${path}`);
    return { status: res.status, body: await res.text() };
  }

  /** 1 when this replica says it holds the Lease, from its own /metrics. */
  async leaderGauge(): Promise<number> {
    const { body } = await this.get('/metrics');
    const m = /^mqtt_adapter_operator_leader (\d+)/m.exec(body);
    return m ? Number(m[1]) : NaN;
  }

  /** The value of one series of its /metrics, e.g. `name{label="x"}`; 0 when absent, as for a counter never incremented. */
  async metric(series: string): Promise<number> {
    const { body } = await this.get('/metrics');
    const line = body.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : 0;
  }

  stop(): Promise<number | null> {
    return this.proc.stop();
  }
}
