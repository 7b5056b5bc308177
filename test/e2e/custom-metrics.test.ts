import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { resourcePath } from '../../operator/src/kube/paths';
import { spawnAdapter, type AdapterProcess } from '../integration/helpers/adapter';
import { Mqtt } from '../integration/helpers/mqttjs';
import type { ControlPlane } from './harness/control-plane';
import { documentedAdapterRule } from './harness/documented-rule';
import { goToolsDir } from './harness/go-tools';
import { createNamespace, deleteNamespace } from './harness/namespace';
import { Prometheus } from './harness/prometheus';
import { CUSTOM_METRICS, PrometheusAdapter } from './harness/prometheus-adapter';
import { SETUP_TIMEOUT_MS, sharedControlPlane } from './harness/shared';
import { eventually } from './harness/wait';

const METRIC = 'mqtt_adapter_connections';

interface MetricValueList {
  items: { describedObject: { kind: string; namespace: string; name: string }; value: string }[];
}

/** A resource.Quantity as prometheus-adapter writes one (whole, or thousandths with `m`). */
function quantity(q: string): number {
  return q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q);
}

/**
 * The prometheus-adapter rule docs/operator.md gives for the HPA's connections
 * target, run as written: Prometheus scrapes a real adapter process labelled as
 * the ServiceMonitor labels it, and prometheus-adapter answers the custom
 * metrics API for the Pod the series names, which exists in the API server.
 */
describe('e2e: the documented prometheus-adapter rule serves mqtt_adapter_connections', function () {
  let cp: ControlPlane;
  let ns: string;
  let dir: string | undefined;
  let adapter: AdapterProcess | undefined;
  let prometheus: Prometheus | undefined;
  let promAdapter: PrometheusAdapter | undefined;
  const clients: Mqtt[] = [];
  const pod = 'mqtt-adapter-0';

  before(async function () {
    this.timeout(SETUP_TIMEOUT_MS);
    // Built one after the other either way: the scripts share a lock.
    const promTools = await goToolsDir('prom-tools.sh');
    const adapterTools = await goToolsDir('prom-adapter-tools.sh');
    cp = await sharedControlPlane();
    ns = await createNamespace(cp.admin, 'e2e-custom-metrics');
    // No kubelet runs it (it stays Pending): prometheus-adapter answers pods/* for the pods it lists.
    const podBody = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: pod, namespace: ns, labels: { app: 'mqtt-adapter' } },
      spec: { automountServiceAccountToken: false, containers: [{ name: 'adapter', image: 'mqtt-adapter' }] },
    };
    // The namespace's default ServiceAccount, which admission wants, comes from the controller a moment later.
    await eventually('the Pod to be created', () => cp.admin.create(resourcePath('v1', 'pods', ns), podBody));
    dir = mkdtempSync(join(tmpdir(), 'mqtt-adapter-custom-metrics-'));
    adapter = await spawnAdapter({ MQTT_ADAPTER_POD_NAME: pod });
    prometheus = await Prometheus.start(join(promTools, 'prometheus'), dir, [
      { address: `127.0.0.1:${adapter.ports.http}`, namespace: ns, pod },
    ]);
    const admin = cp.identities.get('admin');
    if (!admin) throw new Error('no admin identity');
    promAdapter = await PrometheusAdapter.start(join(adapterTools, 'prometheus-adapter'), dir, {
      rules: documentedAdapterRule(),
      prometheusUrl: prometheus.url,
      kubeconfig: cp.kubeconfig,
      token: admin.token,
    });
  });

  after(async function () {
    this.timeout(60_000);
    await Promise.all(clients.map((c) => c.end()));
    await promAdapter?.proc.stop();
    await prometheus?.proc.stop();
    await adapter?.stop();
    if (cp && ns) await deleteNamespace(cp.admin, ns);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** What prometheus-adapter serves for every pod of the namespace, by pod name. */
  const served = async (): Promise<Map<string, number>> => {
    const list = await (promAdapter as PrometheusAdapter).rest.get<MetricValueList>(
      `${CUSTOM_METRICS}/namespaces/${ns}/pods/*/${METRIC}`,
    );
    return new Map(list.items.map((i) => [i.describedObject.name, quantity(i.value)]));
  };

  const servesFor = (n: number) =>
    eventually(
      `prometheus-adapter to serve ${METRIC}=${n} for ${pod}`,
      async () => {
        const m = await served();
        return m.size === 1 && m.get(pod) === n ? m : undefined;
      },
      20_000,
      500,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\n--- prometheus-adapter\n${promAdapter?.proc.log().slice(-2000)}`, {
        cause: err,
      });
    });

  it('is the rule docs/operator.md gives', () => {
    const config = load(documentedAdapterRule()) as { rules: { seriesQuery: string }[] };
    assert.equal(config.rules.length, 1);
    assert.match(config.rules[0]?.seriesQuery ?? '', new RegExp(`^${METRIC}\\{`));
  });

  it('serves the number of MQTT clients connected to the pod, and follows disconnects', async function () {
    this.timeout(60_000);
    const port = (adapter as AdapterProcess).ports.mqtt;
    for (let i = 0; i < 4; i++) clients.push(await Mqtt.connect(port));
    await servesFor(4);

    await Promise.all(clients.splice(0, 3).map((c) => c.end()));
    await servesFor(1);
  });
});
