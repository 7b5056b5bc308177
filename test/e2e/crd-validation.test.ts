import { strict as assert } from 'node:assert';
import { dump } from 'js-yaml';
import type { ControlPlane } from './harness/control-plane';
import { kubectl } from './harness/kubectl';
import { createNamespace, deleteNamespace } from './harness/namespace';
import { SETUP_TIMEOUT_MS, sharedControlPlane } from './harness/shared';

const base = { rabbitmq: { secretName: 'rabbit' } };
const mtls = { secretName: 'cert', clientCertificate: 'required', caSecretName: 'ca' };

/** Specs the API server must refuse, each with the message a user would see. */
const rejected: [string, Record<string, unknown>, RegExp][] = [
  ['no RabbitMQ Secret', {}, /spec\.rabbitmq: Required value/],
  [
    'a port out of range',
    { ...base, mqtt: { port: 70000 } },
    /spec\.mqtt\.port.*less than or equal to 65535/,
  ],
  [
    'MQTT and metrics on one port',
    { ...base, metrics: { port: 1883 } },
    /spec\.mqtt\.port and spec\.metrics\.port must differ/,
  ],
  [
    'TLS on the MQTT port',
    { ...base, tls: { secretName: 'cert', port: 1883 } },
    /the TLS port must differ from spec\.mqtt\.port and spec\.metrics\.port/,
  ],
  [
    'WebSocket on the default TLS port',
    { ...base, tls: { secretName: 'cert' }, webSocket: { enabled: true, port: 8883 } },
    /spec\.webSocket\.port must differ/,
  ],
  [
    'a TLS port without a TLS Secret',
    { ...base, tls: { port: 8883 } },
    /tls\.port is only allowed when tls\.secretName is set/,
  ],
  [
    'client certificates without a CA',
    { ...base, tls: { secretName: 'cert', clientCertificate: 'required' } },
    /needs tls\.caSecretName/,
  ],
  [
    'RabbitMQ with neither a Secret nor nodes',
    { rabbitmq: {} },
    /spec\.rabbitmq needs exactly one of secretName and urls/,
  ],
  [
    'RabbitMQ with both a Secret and nodes',
    { rabbitmq: { secretName: 'rabbit', urls: ['amqp://r0:5672'] } },
    /spec\.rabbitmq needs exactly one of secretName and urls/,
  ],
  [
    'a RabbitMQ node with credentials',
    { rabbitmq: { urls: ['amqp://r0:5672', 'amqp://u:p@r1:5672'] } },
    /spec\.rabbitmq\.urls\[1\].*should match/,
  ],
  [
    "an in-flight QoS 2 cap above the adapter's",
    { ...base, limits: { maxInflightQos2: 65536 } },
    /spec\.limits\.maxInflightQos2.*less than or equal to 65535/,
  ],
  [
    'no subscriptions per client',
    { ...base, limits: { maxSubscriptionsPerClient: 0 } },
    /spec\.limits\.maxSubscriptionsPerClient.*greater than or equal to 1/,
  ],
  ['a maximum QoS of 3', { ...base, limits: { maxQos: 3 } }, /spec\.limits\.maxQos.*less than or equal to 2/],
  [
    'a connect timeout of 0',
    { ...base, limits: { connectTimeoutSeconds: 0 } },
    /spec\.limits\.connectTimeoutSeconds.*greater than or equal to 1/,
  ],
  [
    "a connect timeout past Node's timers",
    { ...base, limits: { connectTimeoutSeconds: 2147484 } },
    /spec\.limits\.connectTimeoutSeconds.*less than or equal to 2147483/,
  ],
  [
    'more ready queues than the adapter keeps',
    { ...base, limits: { readyQueues: 101 } },
    /spec\.limits\.readyQueues.*less than or equal to 100/,
  ],
  [
    'a negative number of ready queues',
    { ...base, limits: { readyQueues: -1 } },
    /spec\.limits\.readyQueues.*greater than or equal to 0/,
  ],
  ['a will user without a Secret', { ...base, willUser: {} }, /spec\.willUser\.secretName: Required value/],
  ['replicas without Redis', { ...base, replicas: 3 }, /more than one replica needs spec\.redis/],
  [
    'source ranges on a ClusterIP Service',
    { ...base, service: { loadBalancerSourceRanges: ['10.0.0.0/8'] } },
    /loadBalancerSourceRanges needs service\.type LoadBalancer/,
  ],
  [
    'a source range that is not a CIDR',
    { ...base, service: { type: 'LoadBalancer', loadBalancerSourceRanges: ['nope'] } },
    /must be a CIDR/,
  ],
  ['an unknown log level', { ...base, logLevel: 'loud' }, /spec\.logLevel: Unsupported value: "loud"/],
  [
    'an image registry docker would read as a Docker Hub namespace',
    { ...base, image: { registry: 'acme', tag: '1' } },
    /spec\.image\.registry.*should match/,
  ],
  [
    'an image digest that is not sha256',
    { ...base, image: { digest: 'md5:abc' } },
    /spec\.image\.digest.*should match/,
  ],
  [
    'a vhostByPort key that is not a port',
    { ...base, vhostByPort: { '70000': 'a' } },
    /spec\.vhostByPort keys must be ports, 1 to 65535/,
  ],
  [
    'certificate login without required client certificates',
    {
      ...base,
      tls: { ...mtls, clientCertificate: 'optional', certificateLogin: { from: 'cn', secretName: 'l' } },
    },
    /tls\.certificateLogin needs tls\.clientCertificate required/,
  ],
  [
    'a SAN index with CN login',
    { ...base, tls: { ...mtls, certificateLogin: { from: 'cn', sanIndex: 1, secretName: 'l' } } },
    /sanType and sanIndex need from san/,
  ],
  [
    'a TLS minimum newer than the maximum',
    { ...base, tls: { secretName: 'cert', minVersion: 'TLSv1.3', maxVersion: 'TLSv1.2' } },
    /tls\.minVersion must not be newer than tls\.maxVersion/,
  ],
  [
    'TLS 1.3 suites only with TLS 1.2 allowed',
    { ...base, tls: { secretName: 'cert', ciphers: ['TLS_AES_256_GCM_SHA384'] } },
    /set tls\.minVersion TLSv1\.3/,
  ],
  [
    'an unknown TLS version',
    { ...base, tls: { secretName: 'cert', minVersion: 'TLSv1.1' } },
    /spec\.tls\.minVersion: Unsupported value: "TLSv1\.1"/,
  ],
  ['an empty Server Reference', { ...base, serverReference: '' }, /spec\.serverReference.*at least 1 chars/],
  [
    'a Server Reference over 1,024 characters',
    { ...base, serverReference: 'm'.repeat(1025) },
    /spec\.serverReference.*may not be more than 1024 bytes/,
  ],
  [
    'a rebalance rate of 0',
    { ...base, rebalance: { ratePerSecond: 0 } },
    /spec\.rebalance\.ratePerSecond.*greater than or equal to 1/,
  ],
  [
    'a rebalance rate above the adapter bound',
    { ...base, rebalance: { ratePerSecond: 1001 } },
    /spec\.rebalance\.ratePerSecond.*less than or equal to 1000/,
  ],
  [
    'a negative rebalance tolerance',
    { ...base, rebalance: { tolerancePercent: -1 } },
    /spec\.rebalance\.tolerancePercent.*greater than or equal to 0/,
  ],
  [
    'a fractional rebalance tolerance',
    { ...base, rebalance: { tolerancePercent: 2.5 } },
    /spec\.rebalance\.tolerancePercent.*must be of type integer/,
  ],
  [
    'no rebalance rounds',
    { ...base, rebalance: { maxRounds: 0 } },
    /spec\.rebalance\.maxRounds.*greater than or equal to 1/,
  ],
  [
    'a rebalance interval over a minute',
    { ...base, rebalance: { intervalSeconds: 61 } },
    /spec\.rebalance\.intervalSeconds.*less than or equal to 60/,
  ],
  [
    'rebalance enabled as a string',
    { ...base, rebalance: { enabled: 'yes' } },
    /spec\.rebalance\.enabled.*must be of type boolean/,
  ],
];

describe('e2e: the API server validates MqttListener specs', function () {
  let cp: ControlPlane;
  let ns: string;

  before(async function () {
    this.timeout(SETUP_TIMEOUT_MS);
    cp = await sharedControlPlane();
    ns = await createNamespace(cp.admin, 'e2e-crd');
  });

  after(async () => {
    if (cp && ns) await deleteNamespace(cp.admin, ns);
  });

  const apply = (spec: Record<string, unknown>) =>
    kubectl(
      cp,
      ['-n', ns, 'apply', '--dry-run=server', '-f', '-'],
      dump({ apiVersion: 'mqtt.adapter.dev/v1alpha1', kind: 'MqttListener', metadata: { name: 'v' }, spec }),
    );

  for (const [what, spec, message] of rejected) {
    it(`rejects ${what} with a clear message`, async () => {
      const r = await apply(spec);
      assert.notEqual(r.code, 0, `accepted: ${r.stdout}`);
      assert.match(r.stderr, message);
    });
  }

  it('accepts a full spec, and a TLS port only with a TLS Secret', async () => {
    const r = await apply({
      ...base,
      replicas: 3,
      redis: { secretName: 'redis', mode: 'sentinel' },
      willUser: { secretName: 'will' },
      tls: { secretName: 'cert', port: 8884, clientCertificate: 'optional', caSecretName: 'ca' },
      webSocket: { enabled: true, port: 8443 },
      service: {
        type: 'LoadBalancer',
        externalTrafficPolicy: 'Local',
        loadBalancerSourceRanges: ['10.0.0.0/8'],
      },
      resources: { requests: { cpu: '100m', memory: '128Mi' } },
      image: {
        registry: 'registry.local:5000',
        repository: 'acme/mqtt-adapter',
        tag: '0.1.0',
        digest: `sha256:${'0f'.repeat(32)}`,
      },
      limits: {
        maxConnections: 1000,
        maxSubscriptionsPerClient: 100,
        maxInflightQos2: 500,
        maxPacketSizeUnauthenticated: 8192,
        maxQos: 0,
        connectTimeoutSeconds: 2147483,
        readyQueues: 100,
      },
    });
    assert.equal(r.code, 0, r.stderr);
  });

  it('accepts a Server Reference and every rebalance field at its bounds', async () => {
    for (const rebalance of [
      {
        enabled: false,
        ratePerSecond: 1,
        tolerancePercent: 0,
        delaySeconds: 0,
        intervalSeconds: 1,
        maxRounds: 1,
      },
      {
        enabled: true,
        ratePerSecond: 1000,
        tolerancePercent: 1000,
        delaySeconds: 3600,
        intervalSeconds: 60,
        maxRounds: 100,
      },
    ]) {
      const r = await apply({ ...base, serverReference: 'm'.repeat(1024), rebalance });
      assert.equal(r.code, 0, r.stderr);
    }
  });

  it('accepts TLS settings, certificate login and vhost maps', async () => {
    const r = await apply({
      rabbitmq: { secretName: 'rabbit', caSecretName: 'rabbit-ca' },
      vhostByPort: { '1883': 'tenant-a', '8883': 'tenant-b' },
      tls: {
        ...mtls,
        minVersion: 'TLSv1.3',
        ciphers: ['TLS_AES_256_GCM_SHA384'],
        certificateLogin: {
          from: 'san',
          sanType: 'dns',
          sanIndex: 1,
          secretName: 'login',
          vhostByCertificate: { 'device-1': 'tenant-a' },
        },
      },
    });
    assert.equal(r.code, 0, r.stderr);
  });

  it('accepts DN and otherName certificate login, and a client certificate for amqps://', async () => {
    const dn = await apply({
      rabbitmq: {
        secretName: 'rabbit',
        caSecretName: 'rabbit-ca',
        clientCertificateSecretName: 'rabbit-client',
      },
      tls: {
        ...mtls,
        certificateLogin: {
          from: 'dn',
          secretName: 'login',
          vhostByCertificate: { 'CN=device-1,O=Acme\\, Inc.,C=GB': 'tenant-a' },
        },
      },
    });
    assert.equal(dn.code, 0, dn.stderr);
    const other = await apply({
      ...base,
      tls: {
        ...mtls,
        certificateLogin: { from: 'san', sanType: 'other_name', sanIndex: 1, secretName: 'l' },
      },
    });
    assert.equal(other.code, 0, other.stderr);
  });

  it('accepts RabbitMQ nodes listed one by one', async () => {
    const urls = ['amqp://rabbit-0.rabbit:5672', 'amqps://rabbit-1.rabbit:5671', 'amqp://rabbit-2.rabbit'];
    const r = await apply({ rabbitmq: { urls } });
    assert.equal(r.code, 0, r.stderr);
  });
});
