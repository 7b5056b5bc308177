import { strict as assert } from 'node:assert';
import type { V1Deployment } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { SECRET_HASH_ANNOTATION } from '../../operator/src/api/names';
import type { RestClient } from '../../operator/src/kube/rest-client';
import type { ControlPlane } from './harness/control-plane';
import { createNamespace, deleteNamespace, putSecret } from './harness/namespace';
import { children, createListener, listenerPath } from './harness/objects';
import { OperatorProcess } from './harness/operator-process';
import { SETUP_TIMEOUT_MS, sharedControlPlane } from './harness/shared';
import { eventually } from './harness/wait';

const base = { rabbitmq: { secretName: 'rabbit' }, redis: { secretName: 'redis' }, replicas: 2 };

const envOf = (d: V1Deployment, name: string): string | undefined =>
  d.spec?.template.spec?.containers[0]?.env?.find((e) => e.name === name)?.value;

describe('e2e: spec.willUser, spec.limits.maxQos, .connectTimeoutSeconds and .readyQueues reach the Deployment', function () {
  let cp: ControlPlane;
  let rest: RestClient;
  let ns: string;
  let op: OperatorProcess;
  const name = 'wills';

  before(async function () {
    this.timeout(SETUP_TIMEOUT_MS);
    cp = await sharedControlPlane();
    rest = cp.admin;
    ns = await createNamespace(rest, 'e2e-will');
    await putSecret(rest, ns, 'rabbit', { uri: 'amqp://rabbitmq.example:5672' });
    await putSecret(rest, ns, 'redis', { url: 'redis://redis.example:6379' });
    await putSecret(rest, ns, 'will', { username: 'will-publisher', password: 'first' });
    op = await OperatorProcess.start(cp, { identity: 'op-will', leaseNamespace: ns });
  });

  after(async function () {
    this.timeout(60_000);
    await op?.stop();
    if (rest && ns) await deleteNamespace(rest, ns);
  });

  const deployment = (what: string, want: (d: V1Deployment) => boolean): Promise<V1Deployment> =>
    eventually(what, async () => {
      const d = (await children(rest, ns, name)).deployment;
      return d && want(d) ? d : undefined;
    });

  it('mounts the will user Secret and sets the limits, in the units the adapter reads', async () => {
    await createListener(rest, ns, name, {
      ...base,
      willUser: { secretName: 'will' },
      limits: { maxQos: 1, connectTimeoutSeconds: 30, maxKeepAliveSeconds: 120, readyQueues: 4 },
    });
    const d = await deployment('the Deployment', (x) => envOf(x, 'MQTT_ADAPTER_MAX_QOS') !== undefined);
    assert.deepEqual(
      [
        'MQTT_ADAPTER_WILL_USER_FILE',
        'MQTT_ADAPTER_WILL_PASSWORD_FILE',
        'MQTT_ADAPTER_MAX_QOS',
        'MQTT_ADAPTER_CONNECT_TIMEOUT_MS',
        'MQTT_ADAPTER_MAX_KEEPALIVE',
        'MQTT_ADAPTER_READY_QUEUES',
        'MQTT_ADAPTER_WILL_USER',
        'MQTT_ADAPTER_WILL_PASSWORD',
      ].map((n) => envOf(d, n)),
      [
        '/etc/mqtt-adapter/will-user/username',
        '/etc/mqtt-adapter/will-user/password',
        '1',
        '30000',
        '120',
        '4',
        undefined,
        undefined,
      ],
    );
    const pod = d.spec!.template.spec!;
    assert.deepEqual(pod.volumes?.find((v) => v.name === 'will-user')?.secret, {
      secretName: 'will',
      defaultMode: 0o440,
      items: [
        { key: 'username', path: 'username' },
        { key: 'password', path: 'password' },
      ],
    });
    const mount = pod.containers[0].volumeMounts?.find((m) => m.name === 'will-user');
    assert.deepEqual([mount?.mountPath, mount?.readOnly], ['/etc/mqtt-adapter/will-user', true]);
  });

  it('rolls the pods when the will user Secret is rotated', async () => {
    const hash = (d: V1Deployment) => d.spec?.template.metadata?.annotations?.[SECRET_HASH_ANNOTATION];
    const before = hash(await deployment('the Deployment', (x) => hash(x) !== undefined));
    await putSecret(rest, ns, 'will', { username: 'will-publisher', password: 'second' });
    const after = hash(await deployment('a new Secret hash', (x) => hash(x) !== before));
    assert.match(after ?? '', /^[0-9a-f]{32}$/);
  });

  it('drops what the spec no longer sets', async () => {
    await rest.mergePatch(listenerPath(ns, name), {
      spec: { willUser: null, limits: { maxQos: null, connectTimeoutSeconds: 5, readyQueues: null } },
    });
    const d = await deployment(
      'the will user gone',
      (x) => envOf(x, 'MQTT_ADAPTER_WILL_USER_FILE') === undefined,
    );
    assert.equal(envOf(d, 'MQTT_ADAPTER_MAX_QOS'), undefined);
    assert.equal(envOf(d, 'MQTT_ADAPTER_READY_QUEUES'), undefined);
    assert.equal(envOf(d, 'MQTT_ADAPTER_CONNECT_TIMEOUT_MS'), '5000');
    assert.equal(envOf(d, 'MQTT_ADAPTER_MAX_KEEPALIVE'), '120');
    assert.equal(
      d.spec!.template.spec!.volumes?.find((v) => v.name === 'will-user'),
      undefined,
    );
  });
});
