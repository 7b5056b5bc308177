import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resourcePath } from '../../operator/src/kube/paths';
import type { RestClient } from '../../operator/src/kube/rest-client';
import { ControlPlane } from '../../test/e2e/harness/control-plane';
import { createNamespace, putSecret } from '../../test/e2e/harness/namespace';
import { children, createListener } from '../../test/e2e/harness/objects';
import { OperatorProcess } from '../../test/e2e/harness/operator-process';
import { applyCrd } from '../../test/e2e/harness/shared';
import { eventually } from '../../test/e2e/harness/wait';

/**
 * `node build/bench/operator/rss.js [secrets] [bytes]`: the operator's memory
 * with `secrets` (5000) Secrets of `bytes` (2048) random data each in the API
 * server, none of them referenced, and one listener to reconcile. Starts its
 * own etcd and kube-apiserver (scripts/k8s-tools.sh), then the operator
 * (BENCH_OPERATOR_MAIN picks another build's main.js, for a before/after), and
 * prints its RSS (VmRSS), peak RSS (VmHWM) and V8 heap used, once it has
 * reconciled the listener, and 10 s and 30 s later.
 */

const CONCURRENCY = 16;

async function createSecrets(rest: RestClient, ns: string, count: number, bytes: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) {
      await rest.create(resourcePath('v1', 'secrets', ns), {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: `unrelated-${i}`, namespace: ns, labels: { bench: 'operator-rss' } },
        data: { blob: randomBytes(bytes).toString('base64') },
      });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

/** VmRSS and VmHWM of a process, in MiB. */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

async function sample(op: OperatorProcess, when: string): Promise<string> {
  const pid = op.proc.child.pid;
  if (pid === undefined) throw new Error('the operator has no pid');
  const m = memory(pid);
  const heap = (await op.metric('nodejs_heap_size_used_bytes')) / 2 ** 20;
  return `${when}: RSS ${m.rss.toFixed(1)} MiB, peak RSS ${m.peak.toFixed(1)} MiB, heap used ${heap.toFixed(1)} MiB`;
}

/** How often the API server was asked to list and to watch Secrets, from its own metrics. */
async function secretRequests(admin: RestClient): Promise<string> {
  const text = await admin.get<string>('/metrics');
  const count = (verb: string): number =>
    text
      .split('\n')
      .filter((l) => l.startsWith('apiserver_request_total{') && l.includes(`verb="${verb}"`))
      .filter((l) => l.includes('resource="secrets"'))
      .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  return `API server requests on Secrets: LIST ${count('LIST')}, WATCH ${count('WATCH')}`;
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 5000);
  const bytes = Number(process.argv[3] ?? 2048);
  const cp = await ControlPlane.start();
  let op: OperatorProcess | undefined;
  try {
    await applyCrd(cp.admin);
    const crowd = await createNamespace(cp.admin, 'bench-crowd');
    const t0 = Date.now();
    await createSecrets(cp.admin, crowd, count, bytes);
    process.stdout.write(`${count} Secrets of ${bytes} bytes created in ${Date.now() - t0} ms\n`);
    const ns = await createNamespace(cp.admin, 'bench-listener');
    await putSecret(cp.admin, ns, 'rabbit', { uri: 'amqp://rabbitmq.example:5672' });
    op = await OperatorProcess.start(cp, {
      identity: 'bench-rss',
      leaseNamespace: ns,
      leaseDurationSeconds: 60,
      ...(process.env.BENCH_OPERATOR_MAIN && { main: process.env.BENCH_OPERATOR_MAIN }),
      env: { MQTT_ADAPTER_OPERATOR_LOG_LEVEL: 'info' },
    });
    await createListener(cp.admin, ns, 'bench', { rabbitmq: { secretName: 'rabbit' } });
    await eventually(
      'the listener reconciled',
      async () => (await children(cp.admin, ns, 'bench')).deployment,
      120_000,
    );
    process.stdout.write(`operator: ${process.env.BENCH_OPERATOR_MAIN ?? 'this build'}\n`);
    process.stdout.write(`${await sample(op, 'reconciled')}\n`);
    for (const s of [10, 30]) {
      await new Promise((r) => setTimeout(r, (s === 10 ? 10 : 20) * 1000));
      process.stdout.write(`${await sample(op, `after ${s} s`)}\n`);
    }
    process.stdout.write(`${await secretRequests(cp.admin)}\n`);
  } finally {
    await op?.stop();
    await cp.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
