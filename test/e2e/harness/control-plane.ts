import { randomBytes, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientNode } from '../../../operator/src/kube/client-node';
import { RestClient } from '../../../operator/src/kube/rest-client';
import { freePort } from './net';
import { Proc } from './process';
import { ensureTools, type Tools } from './tools';
import { eventually } from './wait';

/** A user known to the API server through its static token file. */
export interface Identity {
  readonly user: string;
  readonly groups: readonly string[];
  readonly token: string;
}

/** The operator's ServiceAccount identity as the chart creates it, so RBAC tests check the chart's own rules. */
export const operatorIdentity = (namespace: string, serviceAccount: string): Omit<Identity, 'token'> => ({
  user: `system:serviceaccount:${namespace}:${serviceAccount}`,
  groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
});

/**
 * etcd + kube-apiserver + kube-controller-manager on loopback, in a temp dir,
 * on free ports. The API server makes its own serving certificate; clients
 * authenticate with static tokens; authorization is RBAC, as in a real cluster,
 * with the OwnerReferencesPermissionEnforcement admission plugin on, as on OpenShift.
 */
export class ControlPlane {
  private readonly procs: Proc[] = [];
  private apiArgs: string[] = [];
  private apiServer: Proc | undefined;
  readonly identities = new Map<string, Identity>();
  apiUrl = '';
  etcdUrl = '';
  admin!: RestClient;

  private constructor(
    readonly dir: string,
    readonly tools: Tools,
  ) {}

  /** `apiServerArgs` are added to kube-apiserver's own, for a suite that needs a control plane of its own. */
  static async start(
    extraIdentities: Omit<Identity, 'token'>[] = [],
    apiServerArgs: readonly string[] = [],
  ): Promise<ControlPlane> {
    const cp = new ControlPlane(mkdtempSync(join(tmpdir(), 'mqtt-adapter-e2e-')), await ensureTools());
    try {
      await cp.boot([{ user: 'admin', groups: ['system:masters'] }, ...extraIdentities], apiServerArgs);
      return cp;
    } catch (err) {
      const logs = cp.procs.map((p) => `--- ${p.name}\n${p.log().slice(-3000)}`).join('\n');
      await cp.stop();
      throw new Error(`control plane did not start: ${String(err)}\n${logs}`, { cause: err });
    }
  }

  get kubeconfig(): string {
    return this.kubeconfigFor('admin');
  }

  /** A kubeconfig file that authenticates as the given user. */
  kubeconfigFor(user: string): string {
    const id = this.identities.get(user);
    if (!id) throw new Error(`unknown identity ${user}`);
    const file = join(this.dir, `kubeconfig-${user.replace(/[^a-z0-9-]/gi, '_')}.yaml`);
    if (!existsSync(file)) this.writeKubeconfig(file, user, { token: id.token });
    return file;
  }

  /** A kubeconfig whose user reads its bearer token from `tokenFile` (client-go's field), as a rotated token is kept. */
  kubeconfigWithTokenFile(name: string, tokenFile: string): string {
    const file = join(this.dir, `kubeconfig-${name}.yaml`);
    this.writeKubeconfig(file, name, { tokenFile });
    return file;
  }

  private writeKubeconfig(file: string, user: string, credentials: Record<string, string>): void {
    const ca = join(this.dir, 'certs/apiserver.crt');
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'e2e', cluster: { server: this.apiUrl, 'certificate-authority': ca } }],
        users: [{ name: user, user: credentials }],
        contexts: [{ name: 'e2e', context: { cluster: 'e2e', user } }],
        'current-context': 'e2e',
      }),
    );
  }

  async restFor(user: string): Promise<RestClient> {
    const k8s = await clientNode();
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(this.kubeconfigFor(user));
    return RestClient.fromKubeConfig(kc);
  }

  private async boot(ids: Omit<Identity, 'token'>[], extraArgs: readonly string[]): Promise<void> {
    const { dir, tools } = this;
    const tokens = ids.map((i) => ({ ...i, token: randomBytes(24).toString('hex') }));
    for (const t of tokens) this.identities.set(t.user, t);
    writeFileSync(
      join(dir, 'tokens.csv'),
      tokens.map((t) => `${t.token},${t.user},${t.user},"${t.groups.join(',')}"`).join('\n') + '\n',
    );
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));

    const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    this.etcdUrl = etcdUrl;
    this.procs.push(
      Proc.start(
        'etcd',
        tools.etcd,
        [
          `--data-dir=${join(dir, 'etcd')}`,
          `--listen-client-urls=${etcdUrl}`,
          `--advertise-client-urls=${etcdUrl}`,
          `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
          `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
          `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
          '--unsafe-no-fsync',
          '--log-level=warn',
        ],
        join(dir, 'etcd.log'),
      ),
    );
    this.apiUrl = `https://127.0.0.1:${apiPort}`;
    this.apiArgs = [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--cert-dir=${join(dir, 'certs')}`,
      `--token-auth-file=${join(dir, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      // As OpenShift runs it: an owner reference with blockOwnerDeletion needs update on the owner's finalizers.
      '--enable-admission-plugins=OwnerReferencesPermissionEnforcement',
      '--service-account-issuer=https://kubernetes.default.svc',
      `--service-account-key-file=${join(dir, 'sa.key')}`,
      `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      ...extraArgs,
    ];
    this.startApiServer();
    await eventually(
      'the API server certificate',
      () => existsSync(join(dir, 'certs/apiserver.crt')),
      60_000,
    );
    this.admin = await this.restFor('admin');
    await eventually('/readyz', () => this.admin.get<unknown>('/readyz').then(() => true), 90_000, 500);
  }

  private startApiServer(): void {
    this.apiServer = Proc.start(
      'kube-apiserver',
      this.tools.kubeApiserver,
      this.apiArgs,
      join(this.dir, 'kube-apiserver.log'),
    );
    this.procs.push(this.apiServer);
  }

  /** Stops and restarts kube-apiserver on the same port and etcd, as a control-plane upgrade would. */
  async restartApiServer(): Promise<void> {
    const old = this.apiServer;
    await old?.stop();
    this.procs.splice(this.procs.indexOf(old!), 1);
    this.startApiServer();
    await eventually(
      '/readyz after restart',
      () => this.admin.get<unknown>('/readyz').then(() => true),
      90_000,
      500,
    );
  }

  /**
   * Compacts etcd's history up to its current revision, through etcd's JSON
   * gateway: a watch from any older resourceVersion that reaches etcd is then
   * answered 410 Gone. Returns the revision.
   */
  async compactEtcd(): Promise<number> {
    const post = async (path: string, body: unknown): Promise<{ header?: { revision?: string } }> => {
      const res = await fetch(`${this.etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`etcd ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as { header?: { revision?: string } };
    };
    const revision = (await post('/v3/kv/range', { key: Buffer.from('/').toString('base64') })).header
      ?.revision;
    if (!revision) throw new Error('etcd gave no revision');
    await post('/v3/kv/compaction', { revision, physical: true });
    return Number(revision);
  }

  /** Started separately so CRDs applied first are known to the garbage collector from its first discovery. */
  startControllers(): void {
    this.procs.push(
      Proc.start(
        'kube-controller-manager',
        this.tools.kubeControllerManager,
        [
          `--kubeconfig=${this.kubeconfig}`,
          '--controllers=garbage-collector-controller,deployment-controller,replicaset-controller,namespace-controller,serviceaccount-controller,clusterrole-aggregation-controller,horizontal-pod-autoscaler-controller',
          // The HPA controller scales what it targets up to minReplicas before it reads any metric, so the
          // autoscaling suite sees it write through the listener's scale subresource without a metrics API.
          '--horizontal-pod-autoscaler-sync-period=2s',
          '--secure-port=0',
          '--leader-elect=false',
          '--use-service-account-credentials=false',
        ],
        join(this.dir, 'kube-controller-manager.log'),
      ),
    );
  }

  async stop(): Promise<void> {
    for (const p of [...this.procs].reverse()) await p.stop();
    if (!process.env.E2E_KEEP_TMP) rmSync(this.dir, { recursive: true, force: true });
  }
}
